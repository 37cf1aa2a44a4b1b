package dev.repl.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.Acks;
import dev.repl.api.KeyValueStore;
import dev.repl.api.LogOptions;
import dev.repl.handshake.AcceptingHandshake;
import dev.repl.handshake.ClusterId;
import dev.repl.handshake.ConnectingHandshake;
import dev.repl.handshake.Identity;
import dev.repl.kv.KvCommand;
import dev.repl.leader.HeartbeatHandler;
import dev.repl.log.Fsync;
import dev.repl.log.RecordCodec;
import dev.repl.node.AckHandler;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.protocol.LinkRole;
import dev.repl.state.SnapshotStore;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A follower's replication stream on an embedded channel: what a leader, or anyone else, may send it. */
class ReplicationStreamTest {

    private static final int MAX_FRAME = 64 * 1024;

    @TempDir
    Path dir;
    Replica replica;
    FollowerLog follower;
    EmbeddedChannel ch;

    @BeforeEach
    void open() throws Exception {
        LogOptions options = new LogOptions(64 * 1024, 0, 0, MAX_FRAME, 4 * MAX_FRAME, Acks.QUORUM, Duration.ofSeconds(5));
        replica = Replica.open("rs-follower", dir, "repl", new KeyValueStore(), options);
        follower = new FollowerLog("rs-follower", replica, options);
        ch = stream("rs-leader");
    }

    /** A connection to the follower's port on which {@code leaderName} has said hello as a replication stream. */
    private EmbeddedChannel stream(String leaderName) {
        EmbeddedChannel accepted = new EmbeddedChannel();
        Pipelines.acceptingSide(accepted.pipeline(), null, Duration.ofSeconds(10), new AcceptingHandshake("rs-follower", ClusterId.DEFAULT,
                (channel, peer) -> Pipelines.acceptingReplication(channel.pipeline(), MAX_FRAME, follower.newStream())),
                new AckHandler(new LeaderTracker("rs-follower", Duration.ofSeconds(1)), HeartbeatObserver.NONE), new ConnectionErrorHandler("rs"));
        EmbeddedChannel leader = new EmbeddedChannel();
        Pipelines.connectingSide(leader.pipeline(), LinkSecurity.PLAINTEXT, new Identity(LinkRole.REPLICATION, leaderName, 1, 0),
                new HeartbeatHandler(HeartbeatHandler.Listener.NONE), new ConnectionErrorHandler("rs"));
        ConnectingHandshake.ready(leader, TimeUnit.SECONDS.toNanos(10));
        accepted.writeInbound((ByteBuf) leader.readOutbound());
        leader.finishAndReleaseAll();
        ByteBuf ack = accepted.readOutbound();
        assertEquals(0x4103a219, ack.readInt());
        ack.release();
        assertTrue(accepted.pipeline().names().contains(Pipelines.LENGTH_FRAMER), accepted.pipeline().names().toString());
        return accepted;
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        replica.close();
    }

    private ByteBuf awaitFrame() {
        return awaitFrame(ch);
    }

    private static ByteBuf awaitFrame(EmbeddedChannel on) {
        ByteBuf[] frame = {null};
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            on.runPendingTasks();
            frame[0] = on.readOutbound();
            return frame[0] != null;
        });
        return frame[0];
    }

    private void leaderSays(long term) {
        leaderSays(ch, "rs-leader", term);
    }

    private static void leaderSays(EmbeddedChannel on, String name, long term) {
        on.writeInbound(ReplicationCodec.leader(ByteBufAllocator.DEFAULT, new ReplicationCodec.Leader(term, name.hashCode(), name, "127.0.0.1:8000")));
    }

    @Test
    void leaderIsToldWhereTheLogEndsAndAppendsAreAnsweredOnceDurable() {
        leaderSays(1);
        ByteBuf position = awaitFrame();
        position.skipBytes(4);
        assertEquals(new ReplicationCodec.Position(1, 0, 0, true), ReplicationCodec.readPosition(position));
        position.release();

        ByteBuf records = Unpooled.buffer();
        for (long i = 1; i <= 3; i++) {
            RecordCodec.write(records, 1, i, KvCommand.put("k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8)).encode());
        }
        ch.writeInbound(ReplicationCodec.append(ByteBufAllocator.DEFAULT, new ReplicationCodec.Append(7, 1, 2, 0, 0), records));
        ByteBuf answer = awaitFrame();
        answer.skipBytes(4);
        assertEquals(new ReplicationCodec.Appended(7, 1, true, 3), ReplicationCodec.readAppended(answer));
        answer.release();
        assertEquals(3, replica.writer().durableIndex());
        await().atMost(Duration.ofSeconds(10)).until(() -> replica.appliedIndex() == 2);
        assertEquals(1, replica.currentTerm(), "the leader's term, durably");
        assertEquals("127.0.0.1:8000", follower.leader().clientAddress());
    }

    @Test
    void aProposalReplacedByAnotherLeadersEntryIsNeverAnsweredWithThatEntrysResult() throws Exception {
        // This node proposed index 1 in term 1 as a leader; a leader of term 2 put its own entry there.
        java.util.concurrent.CompletableFuture<byte[]> mine = replica.applier().await(1, 1);
        leaderSays(2);
        awaitFrame().release();
        ByteBuf records = Unpooled.buffer();
        RecordCodec.write(records, 2, 1, KvCommand.put("k", "theirs".getBytes(StandardCharsets.UTF_8)).encode());
        ch.writeInbound(ReplicationCodec.append(ByteBufAllocator.DEFAULT, new ReplicationCodec.Append(1, 2, 1, 0, 0), records));
        awaitFrame().release();
        await().atMost(Duration.ofSeconds(10)).until(mine::isDone);
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                mine::get);
        assertTrue(e.getCause() instanceof NotLeaderException, e.toString());
        assertTrue(e.getCause().getMessage().contains("another leader replaced it"), e.getCause().getMessage());
    }

    @Test
    void aLengthOverTheLimitClosesTheStreamAtOnce() {
        ch.writeInbound(Unpooled.buffer(4).writeInt(MAX_FRAME + 1));
        assertFalse(ch.isOpen(), "refused from its four bytes, before any of the frame is buffered");
    }

    @Test
    void aMalformedFrameClosesTheStream() {
        leaderSays(1);
        awaitFrame().release();
        ch.writeInbound(Unpooled.buffer().writeInt(3).writeByte('A').writeShort(1));
        assertFalse(ch.isOpen());
    }

    @Test
    void aLeaderOfAnOlderTermIsRefusedAndToldTheTerm() throws Exception {
        replica.saveTerm(5).get(10, TimeUnit.SECONDS);
        leaderSays(3);
        ByteBuf answer = awaitFrame();
        answer.skipBytes(4);
        assertEquals(new ReplicationCodec.Position(5, 0, 0, false), ReplicationCodec.readPosition(answer), "refused, with this node's term");
        answer.release();
        awaitClosed(ch);
        assertEquals(5, replica.currentTerm());
    }

    @Test
    void aLeaderStartedAgainOnAnEmptyDirectoryIsNotTakenForTheOneThisNodeFollows() {
        // Same name, same term, another incarnation: the leader lost its data and took term 1 again.
        leaderSays(1);
        awaitFrame().release();
        ch.close();
        EmbeddedChannel again = stream("rs-leader");
        try {
            again.writeInbound(ReplicationCodec.leader(ByteBufAllocator.DEFAULT, new ReplicationCodec.Leader(1, 42, "rs-leader", "")));
            ByteBuf answer = awaitFrame(again);
            answer.skipBytes(4);
            assertFalse(ReplicationCodec.readPosition(answer).accepted());
            answer.release();
            awaitClosed(again);
        } finally {
            again.finishAndReleaseAll();
        }
    }

    private static void awaitClosed(EmbeddedChannel on) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            on.runPendingTasks();
            return !on.isOpen();
        });
    }

    @Test
    void anythingButTheLeadersFrameFirstClosesTheStream() {
        ch.writeInbound(ReplicationCodec.position(ByteBufAllocator.DEFAULT, new ReplicationCodec.Position(1, 0, 0, true)));
        assertFalse(ch.isOpen());
    }

    @Test
    void aSecondLeaderInTheSameTermIsRefusedAndTheFirstStreamGoesOn() {
        leaderSays(1);
        awaitFrame().release();
        EmbeddedChannel other = stream("rs-impostor");
        try {
            leaderSays(other, "rs-impostor", 1);
            awaitClosed(other); // two leaders of one term: the second is refused
            assertTrue(ch.isOpen(), "the first leader's stream is untouched");
            assertEquals("rs-leader", follower.leader().name());
        } finally {
            other.finishAndReleaseAll();
        }
    }

    @Test
    void aFrameOfAnotherTermOnAStreamClosesThatStreamOnly() {
        leaderSays(2);
        awaitFrame().release();
        EmbeddedChannel bystander = stream("rs-probe-like");
        try {
            ch.writeInbound(ReplicationCodec.append(ByteBufAllocator.DEFAULT, new ReplicationCodec.Append(1, 1, 0, 0, 0), Unpooled.EMPTY_BUFFER));
            assertFalse(ch.isOpen(), "an append of term 1 on a stream of term 2");
            assertTrue(bystander.isOpen(), "another connection to the same port is untouched");
        } finally {
            bystander.finishAndReleaseAll();
        }
    }

    /** A snapshot chunk frame of {@code bytes}, the whole snapshot at index 5, term 1. */
    private void leaderSendsSnapshot(int seq, byte[] bytes) {
        ch.writeInbound(ReplicationCodec.snapshot(ByteBufAllocator.DEFAULT, new ReplicationCodec.SnapshotChunk(seq, 1, 5, 1, 0, true),
                Unpooled.wrappedBuffer(bytes)));
    }

    private ReplicationCodec.Snapshotted awaitSnapshotted() {
        ByteBuf answer = awaitFrame();
        try {
            answer.skipBytes(4);
            return ReplicationCodec.readSnapshotted(answer);
        } finally {
            answer.release();
        }
    }

    @Test
    void aSnapshotThatArrivesDamagedIsRefusedAndDeletedAndTheLogGoesOn() throws Exception {
        leaderSays(1);
        awaitFrame().release();
        KeyValueStore leaderState = new KeyValueStore();
        for (long i = 1; i <= 5; i++) {
            leaderState.apply(i, KvCommand.put("k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8)).encode());
        }
        Path leaderSnapshots = Files.createDirectories(dir.resolve("leader-snapshots"));
        byte[] intact = Files.readAllBytes(new SnapshotStore(leaderSnapshots, Fsync.ofDisk()).write(5, 1, 0, leaderState::snapshot).file());
        byte[] damaged = intact.clone();
        damaged[SnapshotStore.HEADER_BYTES + 3] ^= 0x10; // a bit of the state machine's bytes flipped on the way

        leaderSendsSnapshot(1, damaged);
        assertEquals(new ReplicationCodec.Snapshotted(1, 1, false, 0), awaitSnapshotted(), "refused: the leader is to send it again");
        assertNull(replica.writer().failure(), "the leader's or the network's fault, not this disk's: the log goes on");
        try (Stream<Path> left = Files.list(dir.resolve("snapshots"))) {
            assertEquals(List.of(), left.toList(), "the damaged bytes are deleted, and nothing is installed");
        }
        assertEquals(0, replica.snapshotIndex());
        assertEquals(1, replica.status().snapshotsRejected(), "counted, for repl_snapshots_rejected_total");

        leaderSendsSnapshot(2, intact);
        assertEquals(new ReplicationCodec.Snapshotted(2, 1, true, 5), awaitSnapshotted());
        await().atMost(Duration.ofSeconds(10)).until(() -> replica.snapshotIndex() == 5);
        ByteBuf records = Unpooled.buffer();
        RecordCodec.write(records, 1, 6, KvCommand.put("k6", "v6".getBytes(StandardCharsets.UTF_8)).encode());
        ch.writeInbound(ReplicationCodec.append(ByteBufAllocator.DEFAULT, new ReplicationCodec.Append(3, 1, 0, 5, 1), records));
        ByteBuf answer = awaitFrame();
        answer.skipBytes(4);
        assertEquals(new ReplicationCodec.Appended(3, 1, true, 6), ReplicationCodec.readAppended(answer), "the log continues after the snapshot");
        answer.release();
    }
}
