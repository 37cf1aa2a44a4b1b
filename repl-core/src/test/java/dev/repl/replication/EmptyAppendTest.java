package dev.repl.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.Acks;
import dev.repl.api.ConnectionOptions;
import dev.repl.api.KeyValueStore;
import dev.repl.api.LogOptions;
import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.kv.KvCommand;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.node.ReplicationStreams;
import dev.repl.testing.Threads;
import dev.repl.transport.LinkSecurity;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The entries a follower was last sent can leave the leader's memory (its tail holds one frame's
 * worth) before the leader's own writer has written them: their term is then known nowhere on the
 * leader. An empty append sent then (a read's confirmation, the keepalive) would name that term
 * as -1, the follower would refuse it, and the leader would resend from the start of its term.
 */
class EmptyAppendTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The smallest frame and window there are: the tail keeps one entry of {@link #ENTRY_BYTES}, never two. */
    private static final LogOptions OPTIONS = new LogOptions(1024 * 1024, 0, 0, 64 * 1024, 64 * 1024, Acks.QUORUM, Duration.ofSeconds(5));
    private static final int ENTRY_BYTES = 40 * 1024;

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final CompletableFuture<Void> writerHeld = new CompletableFuture<>();
    /** What the follower saw that it must not: appends naming a previous term of -1, and its refusals. */
    private final Queue<String> wrong = new ConcurrentLinkedQueue<>();

    @AfterEach
    void closeAll() throws Exception {
        writerHeld.complete(null); // a held writer would keep its replica from closing
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        Threads.assertNoneLeft("ea-");
    }

    @Test
    void aLinearizableReadWhileTheLeadersWriterIsBehindMakesTheFollowerRefuseNothing() throws Exception {
        LeaderLog leader = clusterOfTwo(true);
        behindItsFollower(leader);

        CompletableFuture<Long> read = leader.readIndex();
        // A confirmation would go out at once: time for one to reach the follower before the writer catches up.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertTrue(wrong.isEmpty(), wrong.toString()));
        writerHeld.complete(null);
        assertEquals(1, read.get(WAIT.toSeconds(), TimeUnit.SECONDS), "confirmed by the appends the writer's catching up sends");
        awaitCaughtUp(leader);
        assertTrue(wrong.isEmpty(), wrong.toString());
    }

    @Test
    void theKeepaliveWhileTheLeadersWriterIsBehindMakesTheFollowerRefuseNothing() throws Exception {
        LeaderLog leader = clusterOfTwo(false);
        behindItsFollower(leader);

        // Nothing in flight, nothing sent: a keepalive is due within 1.2 s (1 s idle, 200 ms ticks).
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(8))
                .untilAsserted(() -> assertTrue(wrong.isEmpty(), wrong.toString()));
        writerHeld.complete(null);
        awaitCaughtUp(leader);
        assertTrue(wrong.isEmpty(), wrong.toString());
    }

    /** A leader (elected, or fixed) and one follower whose replication stream is watched. */
    private LeaderLog clusterOfTwo(boolean elected) throws Exception {
        Replica followerReplica = Replica.open("ea-follower", dir.resolve("follower"), "repl", new KeyValueStore(), OPTIONS);
        open.add(followerReplica);
        FollowerLog follower = new FollowerLog("ea-follower", followerReplica, OPTIONS);
        ReplicationStreams watched = new ReplicationStreams() {
            @Override
            public ChannelHandler newStream() {
                return new Watch(follower.newStream());
            }

            @Override
            public int maxFrameBytes() {
                return follower.maxFrameBytes();
            }
        };
        NodeServer server = new NodeServer("ea-follower", NodeAddress.loopback(0), ConnectionOptions.defaults(), LinkSecurity.PLAINTEXT,
                HeartbeatObserver.NONE, watched);
        open.add(server::close);
        int port = server.start().getPort();

        Replica replica = Replica.open("ea-leader", dir.resolve("leader"), "repl", new KeyValueStore(), OPTIONS);
        open.add(replica);
        List<Peer> followers = List.of(new Peer("ea-follower", NodeAddress.loopback(port)));
        LeaderLog leader = elected
                ? LeaderLog.elected("ea-leader", replica, OPTIONS, followers, LinkSecurity.PLAINTEXT, 1, laterTerm -> { })
                : LeaderLog.start("ea-leader", replica, OPTIONS, followers, LinkSecurity.PLAINTEXT);
        open.add(leader);
        leader.serve("127.0.0.1:8000");
        await("the term's no-op to commit").atMost(WAIT).until(() -> replica.commitIndex() == 1);
        return leader;
    }

    /**
     * Leaves the follower holding entry 2, sent from the leader's memory, and the leader holding
     * it nowhere: its writer is held, and entry 3 pushed entry 2 out of the tail.
     */
    private void behindItsFollower(LeaderLog leader) {
        leader.replica().writer().submit(log -> writerHeld.join(), 0);
        leader.propose(bigPut("a"));
        await("the follower to hold entry 2").atMost(WAIT).until(() -> leader.followers().get(0).matchIndex() == 2);
        leader.propose(bigPut("b"));
        assertEquals(-1, leader.replica().termAt(2), "entry 2 is neither in the leader's tail nor in its files");
    }

    private static byte[] bigPut(String key) {
        return KvCommand.put(key, new byte[ENTRY_BYTES]).encode();
    }

    private static void awaitCaughtUp(LeaderLog leader) {
        await("the follower to hold entry 3 and the leader to commit it").atMost(WAIT)
                .until(() -> leader.followers().get(0).matchIndex() == 3 && leader.replica().commitIndex() == 3);
    }

    /** In front of the follower's stream handler: notes appends that name a previous term of -1, and refused appends. */
    private final class Watch extends ChannelDuplexHandler {
        private final ChannelHandler stream;

        Watch(ChannelHandler stream) {
            this.stream = stream;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.pipeline().addAfter(ctx.name(), "watched-stream", stream);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            if (frame.isReadable() && ReplicationCodec.type(frame) == ReplicationCodec.APPEND) {
                ReplicationCodec.Append m = ReplicationCodec.readAppend(frame.duplicate());
                if (m.prevTerm() < 0) {
                    wrong.add("an append after index " + m.prevIndex() + " naming its term " + m.prevTerm());
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            // Outbound frames still carry their length prefix.
            if (msg instanceof ByteBuf frame && frame.readableBytes() > ReplicationCodec.LENGTH_BYTES
                    && frame.getByte(frame.readerIndex() + ReplicationCodec.LENGTH_BYTES) == ReplicationCodec.APPENDED) {
                ReplicationCodec.Appended a = ReplicationCodec.readAppended(frame.duplicate().skipBytes(ReplicationCodec.LENGTH_BYTES));
                if (!a.ok()) {
                    wrong.add("a refused append (resume at " + a.index() + ")");
                }
            }
            ctx.write(msg, promise);
        }
    }
}
