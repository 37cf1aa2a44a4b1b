package dev.repl.bench;

import dev.repl.handshake.AcceptingHandshake;
import dev.repl.handshake.ClusterId;
import dev.repl.handshake.Identity;
import dev.repl.leader.HeartbeatHandler;
import dev.repl.node.AckHandler;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.FrameType;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The steady-state heartbeat path through the real pipelines, past the hello, with no socket:
 * each side runs on an {@link EmbeddedChannel}, so everything it does happens on the benchmark
 * thread and {@code -prof gc} sees every byte it allocates.
 *
 * <p>Operations run in batches inside {@link FastThreadLocalThread#runWithFastThreadLocal}, so
 * the benchmark thread gets what an event-loop thread has: Netty's per-thread buffer caches and
 * object recycling. Without it Netty allocates on every operation (about 100-130 B) for reasons
 * that have nothing to do with a real node.
 *
 * <pre>java -jar repl-bench/target/benchmarks.jar -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class HeartbeatPathBenchmark {

    private EmbeddedChannel follower;
    private EmbeddedChannel leader;
    private HeartbeatHandler heartbeats;
    private ByteBufAllocator alloc;
    private static final int BATCH = 100_000;

    private int sequence;
    private long acked;
    private long answered;
    private final Runnable followerBatch = () -> {
        for (int i = 0; i < BATCH; i++) {
            answered += followerAnswersAHeartbeat();
        }
    };
    private final Runnable leaderBatch = () -> {
        for (int i = 0; i < BATCH; i++) {
            leaderSendsAHeartbeatAndMatchesItsAck();
        }
    };

    @Setup
    public void setUp() {
        follower = new EmbeddedChannel();
        Pipelines.acceptingSide(follower.pipeline(), null, Duration.ofSeconds(10),
                new AcceptingHandshake("bench", ClusterId.DEFAULT, AcceptingHandshake.Listener.NONE),
                new AckHandler(new LeaderTracker("bench", Duration.ofSeconds(1)), HeartbeatObserver.NONE), new ConnectionErrorHandler("bench"));
        alloc = follower.alloc();

        leader = new EmbeddedChannel();

        heartbeats = new HeartbeatHandler(new HeartbeatHandler.Listener() {
            @Override
            public void ackReceived(int sequence, long rttNanos, long atNanos) {
                acked++;
            }

            @Override
            public void connectionClosed(Throwable cause) {
            }
        });
        Pipelines.connectingSide(leader.pipeline(), LinkSecurity.PLAINTEXT, Identity.leader("bench", 0, 100), heartbeats,
                new ConnectionErrorHandler("bench"));
        // The leader's whole hello goes to the follower, and the follower's ack back: both links are up.
        follower.writeInbound((ByteBuf) leader.readOutbound());
        leader.writeInbound((ByteBuf) follower.readOutbound());
    }

    @TearDown
    public void tearDown() {
        follower.finishAndReleaseAll();
        leader.finishAndReleaseAll();
    }

    /** A follower reads a heartbeat and writes its ack: decoder, codec, idle timer, ack handler. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long followerAnswersHeartbeats() {
        FastThreadLocalThread.runWithFastThreadLocal(followerBatch);
        return answered;
    }

    /** A leader sends a heartbeat and matches its ack: sequence, send time, RTT, listener. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long leaderSendsHeartbeatsAndMatchesAcks() {
        FastThreadLocalThread.runWithFastThreadLocal(leaderBatch);
        return acked;
    }

    private int followerAnswersAHeartbeat() {
        sequence = FrameCodec.nextSequence(sequence);
        follower.pipeline().fireChannelRead(FrameCodec.encode(alloc, FrameType.HEARTBEAT, sequence));
        follower.pipeline().fireChannelReadComplete(); // a read's acks go out at its end
        ByteBuf ack = follower.readOutbound();
        int answered = FrameCodec.payload(ack);
        ack.release();
        return answered;
    }

    private void leaderSendsAHeartbeatAndMatchesItsAck() {
        heartbeats.sendHeartbeat(leader.voidPromise());
        ByteBuf heartbeat = leader.readOutbound();
        int sent = FrameCodec.payload(heartbeat);
        heartbeat.release();
        leader.pipeline().fireChannelRead(FrameCodec.encode(alloc, FrameType.ACK, sent));
    }
}
