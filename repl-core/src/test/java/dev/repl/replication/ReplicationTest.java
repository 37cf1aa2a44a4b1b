package dev.repl.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.Acks;
import dev.repl.api.ConnectionOptions;
import dev.repl.api.KeyValueStore;
import dev.repl.api.LogOptions;
import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.kv.KvCommand;
import dev.repl.kv.KvService;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.node.ReplicationStreams;
import dev.repl.state.SnapshotStore;
import dev.repl.testing.Threads;
import dev.repl.transport.LinkSecurity;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A leader and followers in one JVM, over real sockets, each with a data directory of its own. */
class ReplicationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    /** A follower node: its log, the stream handler, and the port its leader connects to. */
    private final class Follower implements AutoCloseable {
        final Replica replica;
        final KeyValueStore state = new KeyValueStore();
        final NodeServer server;
        final int port;

        Follower(String name, int port, LogOptions options) throws IOException {
            this(name, port, options, false);
        }

        /** @param damageFirstSnapshot flip a byte of the first snapshot chunk it is sent, as a faulty network or NIC might */
        Follower(String name, int port, LogOptions options, boolean damageFirstSnapshot) throws IOException {
            replica = Replica.open(name, dir.resolve(name), "repl", state, options);
            FollowerLog streams = new FollowerLog(name, replica, options);
            server = new NodeServer(name, NodeAddress.loopback(port), ConnectionOptions.defaults(), LinkSecurity.PLAINTEXT, HeartbeatObserver.NONE,
                    damageFirstSnapshot ? new FirstSnapshotDamaged(streams) : streams);
            this.port = server.start().getPort();
            open.add(this);
        }

        @Override
        public void close() {
            server.close();
            replica.close();
        }
    }

    /** A follower's streams, but the first snapshot chunk that arrives has a byte of its state flipped before the follower reads it. */
    private static final class FirstSnapshotDamaged implements ReplicationStreams {
        private final ReplicationStreams follower;
        private final AtomicBoolean damaged = new AtomicBoolean();

        FirstSnapshotDamaged(ReplicationStreams follower) {
            this.follower = follower;
        }

        @Override
        public ChannelHandler newStream() {
            return new ChannelInboundHandlerAdapter() {
                @Override
                public void handlerAdded(ChannelHandlerContext ctx) {
                    ctx.pipeline().addAfter(ctx.name(), null, follower.newStream());
                }

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf frame = (ByteBuf) msg;
                    int body = ReplicationCodec.SNAPSHOT_HEADER_BYTES + SnapshotStore.HEADER_BYTES;
                    if (ReplicationCodec.type(frame) == ReplicationCodec.SNAPSHOT && frame.readableBytes() > body && damaged.compareAndSet(false, true)) {
                        ByteBuf copy = frame.copy();
                        frame.release();
                        copy.setByte(copy.readerIndex() + body, copy.getByte(copy.readerIndex() + body) ^ 0x10);
                        msg = copy;
                    }
                    ctx.fireChannelRead(msg);
                }
            };
        }

        @Override
        public int maxFrameBytes() {
            return follower.maxFrameBytes();
        }
    }

    private LogOptions options(Acks acks, long snapshotEvery, long retain) {
        return new LogOptions(64 * 1024, snapshotEvery, retain, 1024 * 1024, 4 * 1024 * 1024, acks, Duration.ofSeconds(5));
    }

    private LeaderLog leader(String name, LogOptions options, KeyValueStore state, Follower... followers) throws IOException {
        Replica replica = Replica.open(name, dir.resolve(name), "repl", state, options);
        List<Peer> peers = new ArrayList<>();
        for (Follower f : followers) {
            peers.add(new Peer(f.replica.name(), NodeAddress.loopback(f.port)));
        }
        LeaderLog leader = LeaderLog.start(name, replica, options, peers, LinkSecurity.PLAINTEXT);
        leader.serve("127.0.0.1:8000");
        open.add(replica);
        open.add(leader);
        return leader;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        Threads.assertNoneLeft("rt-");
    }

    private static byte[] put(String key, String value) {
        return KvCommand.put(key, value.getBytes(StandardCharsets.UTF_8)).encode();
    }

    private static List<CompletableFuture<byte[]>> write(LeaderLog leader, String prefix, int count) {
        List<CompletableFuture<byte[]>> applied = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            applied.add(leader.propose(put(prefix + i, "value-" + i)).applied());
        }
        return applied;
    }

    private static void awaitAll(List<CompletableFuture<byte[]>> futures) throws Exception {
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Every node has applied up to the leader's applied index, with the same digest. */
    private static void awaitConverged(Replica leader, Replica... followers) {
        await("followers to apply what the leader applied, to the same digest").atMost(WAIT).until(() -> {
            for (Replica f : followers) {
                if (f.appliedIndex() != leader.appliedIndex() || f.digest() != leader.digest()) {
                    return false;
                }
            }
            return leader.appliedIndex() == leader.segments().lastIndex();
        });
    }

    @Test
    void writesCommitOnAQuorumAndEveryNodeAppliesTheSameLog() throws Exception {
        Follower one = new Follower("rt-f1", 0, options(Acks.QUORUM, 0, 0));
        Follower two = new Follower("rt-f2", 0, options(Acks.QUORUM, 0, 0));
        KeyValueStore state = new KeyValueStore();
        LeaderLog leader = leader("rt-leader", options(Acks.QUORUM, 0, 0), state, one, two);
        awaitAll(write(leader, "k", 300));
        assertArrayEquals("value-299".getBytes(StandardCharsets.UTF_8), state.get("k299"));
        awaitConverged(leader.replica(), one.replica, two.replica);
        assertArrayEquals("value-7".getBytes(StandardCharsets.UTF_8), one.state.get("k7"));
        assertEquals(301, leader.replica().commitIndex(), "300 writes and the term's no-op");
        assertEquals(1, leader.term());
        assertEquals(1, one.replica.currentTerm(), "the follower keeps the leader's term");
    }

    @Test
    void followerRestartedOnItsDataDirCatchesUpFromWhereItsLogEnds() throws Exception {
        Follower one = new Follower("rt-c1", 0, options(Acks.QUORUM, 0, 0));
        Follower two = new Follower("rt-c2", 0, options(Acks.QUORUM, 0, 0));
        LeaderLog leader = leader("rt-cl", options(Acks.QUORUM, 0, 0), new KeyValueStore(), one, two);
        awaitAll(write(leader, "a", 50));
        awaitConverged(leader.replica(), one.replica, two.replica);
        int port = two.port;
        two.close();
        open.remove(two);
        awaitAll(write(leader, "b", 200)); // the leader and follower-1 are a quorum
        long behind = leader.followers().get(1).lagRecords();
        assertTrue(behind >= 200, "follower-2 is behind by what it missed: " + behind);
        Follower again = new Follower("rt-c2", port, options(Acks.QUORUM, 0, 0));
        assertEquals(51, again.replica.segments().lastIndex(), "it starts from its own log");
        awaitConverged(leader.replica(), one.replica, again.replica);
        assertArrayEquals("value-199".getBytes(StandardCharsets.UTF_8), again.state.get("b199"));
        await().atMost(WAIT).until(() -> leader.followers().get(1).lagRecords() == 0);
    }

    @Test
    void followerBehindTheLeadersRetainedLogIsSentASnapshotThenTheLogAfterIt() throws Exception {
        Follower one = new Follower("rt-s1", 0, options(Acks.QUORUM, 50, 10));
        Follower two = new Follower("rt-s2", 0, options(Acks.QUORUM, 50, 10));
        LeaderLog leader = leader("rt-sl", options(Acks.QUORUM, 50, 10), new KeyValueStore(), one, two);
        int port = two.port;
        two.close();
        open.remove(two);
        awaitAll(write(leader, "s", 400));
        await("the leader to snapshot and compact").atMost(WAIT).until(() -> leader.replica().segments().firstIndex() > 100);
        // A new, empty follower: everything it needs before the leader's log start comes as a snapshot.
        Follower fresh = new Follower("rt-s3", port, options(Acks.QUORUM, 50, 10));
        awaitConverged(leader.replica(), one.replica, fresh.replica);
        assertArrayEquals("value-3".getBytes(StandardCharsets.UTF_8), fresh.state.get("s3"));
        assertArrayEquals("value-399".getBytes(StandardCharsets.UTF_8), fresh.state.get("s399"));
        assertTrue(fresh.replica.snapshotIndex() > 0, "it installed a snapshot");
    }

    @Test
    void aSnapshotDamagedOnTheWayIsRefusedAndSentAgain() throws Exception {
        Follower one = new Follower("rt-d1", 0, options(Acks.QUORUM, 50, 10));
        Follower two = new Follower("rt-d2", 0, options(Acks.QUORUM, 50, 10));
        LeaderLog leader = leader("rt-dl", options(Acks.QUORUM, 50, 10), new KeyValueStore(), one, two);
        int port = two.port;
        two.close();
        open.remove(two);
        awaitAll(write(leader, "d", 200));
        await("the leader to snapshot and compact").atMost(WAIT).until(() -> leader.replica().segments().firstIndex() > 100);
        Follower fresh = new Follower("rt-d3", port, options(Acks.QUORUM, 50, 10), true);
        awaitConverged(leader.replica(), one.replica, fresh.replica);
        assertArrayEquals("value-3".getBytes(StandardCharsets.UTF_8), fresh.state.get("d3"));
        assertEquals(1, fresh.replica.status().snapshotsRejected(), "the damaged copy was refused once, then an intact one installed");
        assertEquals(null, fresh.replica.writer().failure());
    }

    @Test
    void underAllAWriteWaitsForEveryNodeAndSaysHowFarItGot() throws Exception {
        Follower one = new Follower("rt-a1", 0, options(Acks.ALL, 0, 0));
        Follower two = new Follower("rt-a2", 0, options(Acks.ALL, 0, 0));
        LeaderLog leader = leader("rt-al", options(Acks.ALL, 0, 0), new KeyValueStore(), one, two);
        awaitAll(write(leader, "x", 5));
        two.close();
        open.remove(two);
        LeaderLog.Proposal stuck = leader.propose(put("y", "1"));
        await("the write to be durable on the leader and the follower that is up").atMost(WAIT)
                .until(() -> leader.progress(stuck.index()).equals("3 of 3 needed, 2 durable"));
        assertFalse(stuck.applied().isDone(), "not committed: one copy is missing");
    }

    @Test
    void aRestartedLeaderTakesANewTermAndKeepsEveryCommittedWrite() throws Exception {
        Follower one = new Follower("rt-r1", 0, options(Acks.QUORUM, 0, 0));
        Follower two = new Follower("rt-r2", 0, options(Acks.QUORUM, 0, 0));
        LeaderLog first = leader("rt-rl", options(Acks.QUORUM, 0, 0), new KeyValueStore(), one, two);
        awaitAll(write(first, "r", 20));
        first.close();
        first.replica().close();
        open.remove(first);
        open.remove(first.replica());
        KeyValueStore state = new KeyValueStore();
        LeaderLog second = leader("rt-rl", options(Acks.QUORUM, 0, 0), state, one, two);
        assertEquals(2, second.term());
        awaitAll(write(second, "after", 1));
        assertArrayEquals("value-19".getBytes(StandardCharsets.UTF_8), state.get("r19"), "the earlier term's writes are applied");
        awaitConverged(second.replica(), one.replica, two.replica);
    }

    @Test
    void aRestartedLeaderServesNoStaleReadBeforeItsTermsFirstEntryCommits() throws Exception {
        Follower one = new Follower("rt-s1", 0, options(Acks.QUORUM, 0, 0));
        Follower two = new Follower("rt-s2", 0, options(Acks.QUORUM, 0, 0));
        LeaderLog first = leader("rt-sl", options(Acks.QUORUM, 0, 0), new KeyValueStore(), one, two);
        awaitAll(write(first, "s", 5));
        for (AutoCloseable node : List.of(first, first.replica(), one, two)) {
            node.close();
            open.remove(node);
        }
        // The leader restarts alone: its log holds s0..s4, but nothing tells it they committed.
        KeyValueStore state = new KeyValueStore();
        LeaderLog second = leader("rt-sl", options(Acks.QUORUM, 0, 0), state, one, two);
        KvService kv = new KvService(state, new ClientRequests(second.replica(), () -> second, null, new LogOptions(64 * 1024, 0, 0,
                1024 * 1024, 4 * 1024 * 1024, Acks.QUORUM, Duration.ofMillis(300))));
        KvService.Response early = kv.read("s4", false, GlobalEventExecutor.INSTANCE).get(10, TimeUnit.SECONDS);
        assertEquals(503, early.status(), "not a 404: the write was acknowledged before the restart");
        assertTrue(new String(early.body(), StandardCharsets.UTF_8).contains("first entry of its term"), new String(early.body(), StandardCharsets.UTF_8));

        new Follower("rt-s1", one.port, options(Acks.QUORUM, 0, 0));
        await("the read to see the write once the new term's first entry commits").atMost(WAIT).until(() -> {
            KvService.Response r = kv.read("s4", false, GlobalEventExecutor.INSTANCE).get(10, TimeUnit.SECONDS);
            return r.status() == 200 && new String(r.body(), StandardCharsets.UTF_8).equals("value-4");
        });
    }
}
