package dev.repl.leader;

import dev.repl.config.Peer;
import dev.repl.config.ReplicationConfig;
import dev.repl.protocol.FrameCodec;
import dev.repl.transport.Backoff;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.Connector;
import dev.repl.transport.FailureReason;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import dev.repl.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-shot check: connect to every follower, send each one heartbeat, and wait for the acks
 * until a single deadline. Every follower ends with an outcome; nothing waits past the deadline.
 * {@link #run} blocks its caller (never an event loop) and may be called once.
 */
public final class HeartbeatCheck implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HeartbeatCheck.class);

    /** Told on the caller's thread, in follower order, as the check progresses. */
    public interface Progress {
        Progress NONE = new Progress() { };

        default void connected(Peer follower) { }

        default void sent(int followers) { }
    }

    private final String leaderName;
    private final Duration timeout;
    private final boolean waitForListeners;
    private final LinkSecurity security;
    private final List<Probe> probes = new ArrayList<>();
    private EventLoopGroup group;
    private boolean ran;

    /**
     * @param waitForListeners retry refused connections until the deadline, for followers that are
     *                         still starting; otherwise a refused connection is a final answer
     */
    public HeartbeatCheck(String leaderName, List<Peer> followers, Duration timeout, boolean waitForListeners) {
        this(leaderName, followers, timeout, waitForListeners, LinkSecurity.PLAINTEXT);
    }

    /** @param security the cluster to say hello as, and TLS when on */
    public HeartbeatCheck(String leaderName, List<Peer> followers, Duration timeout, boolean waitForListeners, LinkSecurity security) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.leaderName = leaderName;
        this.timeout = timeout;
        this.waitForListeners = waitForListeners;
        this.security = security;
        for (Peer follower : ReplicationConfig.checkFollowers(followers, null)) {
            probes.add(new Probe(follower));
        }
    }

    public HeartbeatReport run(Progress progress) {
        synchronized (this) {
            if (ran) {
                throw new IllegalStateException("a heartbeat check runs once");
            }
            ran = true;
            group = Transport.get().newGroup(1, leaderName);
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(Transport.get().socketChannel())
                .option(ChannelOption.TCP_NODELAY, true);
        ConnectionErrorHandler errors = new ConnectionErrorHandler(leaderName);
        // The allocator initialises lazily and slowly (hundreds of ms on a busy machine); do it
        // before the clock starts, so the timeout measures the followers, not this JVM's warm-up.
        ByteBufAllocator.DEFAULT.ioBuffer(FrameCodec.FRAME_LENGTH).release();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Probe probe : probes) {
            probe.connecting = Connector.connect(bootstrap.clone().handler(probe.initializer(errors)), group.next(),
                    probe.follower, waitForListeners ? new Backoff(Duration.ofMillis(10), Duration.ofMillis(50)) : null,
                    0, deadline, (peer, attempt, cause, retryIn) -> log.debug("{}: {} not listening yet ({}); attempt {}",
                            leaderName, peer, FailureReason.explain(cause), attempt));
        }

        List<Probe> connected = new ArrayList<>();
        for (Probe probe : probes) {
            if (probe.awaitConnected(deadline)) {
                connected.add(probe);
                progress.connected(probe.follower);
            }
        }

        List<ChannelPromise> writes = new ArrayList<>();
        for (Probe probe : connected) {
            writes.add(probe.sendHeartbeat());
        }
        int sent = 0;
        for (ChannelPromise write : writes) {
            if (write.awaitUninterruptibly(remainingMillis(deadline)) && write.isSuccess()) {
                sent++;
            }
        }
        progress.sent(sent);

        List<FollowerOutcome> outcomes = new ArrayList<>(probes.size());
        for (Probe probe : probes) {
            outcomes.add(probe.awaitOutcome(deadline));
        }
        return new HeartbeatReport(outcomes);
    }

    /**
     * Gives up on one follower now, for example because its process has exited. Safe from any
     * thread; a follower that already has an outcome keeps it.
     */
    public void abandon(Peer follower, FailureReason reason, String detail) {
        for (Probe probe : probes) {
            if (probe.follower.equals(follower)) {
                probe.finish(FollowerOutcome.failed(follower, reason, detail));
                Future<Channel> connecting = probe.connecting;
                if (connecting != null) {
                    connecting.cancel(false);
                }
            }
        }
    }

    /** Closes every connection and ends the event-loop thread, without a quiet period. */
    @Override
    public synchronized void close() {
        if (group == null || group.isShuttingDown()) {
            return;
        }
        for (Probe probe : probes) {
            Channel channel = probe.channel;
            if (channel != null) {
                channel.close();
            }
        }
        Transport.shutdown(group);
    }

    private String timeoutText() {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + "s" : timeout.toMillis() + "ms";
    }

    private static long remainingMillis(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    /** One follower's connection and outcome. */
    private final class Probe implements HeartbeatHandler.Listener {
        final Peer follower;
        final CompletableFuture<FollowerOutcome> outcome = new CompletableFuture<>();
        volatile Future<Channel> connecting;
        volatile Channel channel;
        /** The latest connection attempt's channel, linked or not: tells a silent peer from an absent one. */
        volatile Channel attempt;

        Probe(Peer follower) {
            this.follower = follower;
        }

        ChannelInitializer<SocketChannel> initializer(ConnectionErrorHandler errors) {
            return new ChannelInitializer<>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    attempt = ch;
                    Pipelines.connectingSide(ch.pipeline(), security, new HeartbeatHandler(Probe.this), errors);
                }
            };
        }

        boolean awaitConnected(long deadline) {
            Future<Channel> future = connecting;
            future.awaitUninterruptibly(remainingMillis(deadline));
            if (future.isSuccess()) {
                channel = future.getNow();
                return !outcome.isDone();
            }
            if (!future.isDone()) {
                future.cancel(false);
                Channel tried = attempt;
                finish(FollowerOutcome.failed(follower, FailureReason.TIMED_OUT, (tried != null && tried.isActive()
                        ? "no answer to the hello within " : "not connected within ") + timeoutText()));
            } else if (future.cause() != null) {
                finish(FollowerOutcome.failed(follower, future.cause()));
            }
            return false;
        }

        ChannelPromise sendHeartbeat() {
            Channel ch = channel;
            ChannelPromise promise = ch.newPromise();
            ch.eventLoop().execute(() -> ch.pipeline().get(HeartbeatHandler.class).sendHeartbeat(promise));
            return promise;
        }

        FollowerOutcome awaitOutcome(long deadline) {
            try {
                return outcome.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                finish(FollowerOutcome.failed(follower, FailureReason.TIMED_OUT, "no ack within " + timeoutText()));
                return outcome.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finish(FollowerOutcome.failed(follower, FailureReason.OTHER, "interrupted"));
                return outcome.join();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e); // outcomes are only ever completed normally
            }
        }

        void finish(FollowerOutcome result) {
            outcome.complete(result);
        }

        @Override
        public void ackReceived(int sequence, long rttNanos, long atNanos) {
            finish(FollowerOutcome.responded(follower, rttNanos));
        }

        @Override
        public void connectionClosed(Throwable cause) {
            finish(cause == null ? FollowerOutcome.failed(follower, FailureReason.CLOSED, null) : FollowerOutcome.failed(follower, cause));
        }
    }
}
