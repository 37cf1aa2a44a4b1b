package dev.repl.peer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.Acks;
import dev.repl.api.KeyValueStore;
import dev.repl.api.LogOptions;
import dev.repl.election.Election;
import dev.repl.handshake.AcceptingHandshake;
import dev.repl.handshake.ClusterId;
import dev.repl.handshake.ConnectingHandshake;
import dev.repl.handshake.Identity;
import dev.repl.leader.HeartbeatHandler;
import dev.repl.node.AckHandler;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.protocol.LinkRole;
import dev.repl.replication.FollowerLog;
import dev.repl.replication.Replica;
import dev.repl.replication.ReplicationCodec;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Member n1 of n1, n2, n3, on embedded channels: what it answers, and logs, when an id that is not
 * one of the others asks it for a vote or opens a replication stream, and when two live
 * connections claim one member.
 */
class MemberClaimsTest {

    private static final int MAX_FRAME = 64 * 1024;

    @TempDir
    Path dir;
    Replica replica;
    FollowerLog follower;
    final AtomicLong now = new AtomicLong();
    final List<String> logged = new CopyOnWriteArrayList<>();
    final List<Election.VoteRequest> reachedTheElection = new CopyOnWriteArrayList<>();
    final List<EmbeddedChannel> channels = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        LogOptions options = new LogOptions(64 * 1024, 0, 0, MAX_FRAME, 4 * MAX_FRAME, Acks.QUORUM, Duration.ofSeconds(5));
        replica = Replica.open("n1", dir, "repl", new KeyValueStore(), options);
        MemberClaims claims = new MemberClaims("n1", List.of("n2", "n3"), now::get, (event, id, line) -> logged.add(event + " " + line));
        follower = new FollowerLog("n1", replica, options, new FollowerLog.Peers() {
            @Override
            public CompletableFuture<Election.VoteResponse> vote(Election.VoteRequest request) {
                reachedTheElection.add(request);
                return CompletableFuture.completedFuture(new Election.VoteResponse(request.pre(), request.term(), "n1", true, ""));
            }

            @Override
            public void leaderStream(String leader, long term) {
            }

            @Override
            public String refusal(String id, String what, String from) {
                return claims.refusal(id, what, from);
            }

            @Override
            public void conflict(String id, String detail) {
                claims.conflict(id, detail);
            }
        });
    }

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        replica.close();
    }

    @Test
    void aStrangersPreVoteRequestIsRefusedAndLoggedOnceAMinute() {
        Election.VoteResponse answer = ask(new Election.VoteRequest(true, 4, "n4", 10, 3));
        assertFalse(answer.granted());
        assertEquals("n4 is not a member (the members are n1, n2, n3)", answer.reason());
        assertEquals("n1", answer.voter());
        assertTrue(reachedTheElection.isEmpty(), "the election never hears of it");
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.get(0).startsWith("stranger n1: refused a pre-vote request from embedded: n4 is not a member"), logged.get(0));

        for (int seconds = 5; seconds < 60; seconds += 5) {
            now.addAndGet(TimeUnit.SECONDS.toNanos(5));
            assertFalse(ask(new Election.VoteRequest(seconds % 2 == 0, 4, "n4", 10, 3)).granted());
        }
        assertEquals(1, logged.size(), "asked again and again for a minute, logged once: " + logged);
        now.addAndGet(TimeUnit.SECONDS.toNanos(5));
        ask(new Election.VoteRequest(true, 4, "n4", 10, 3));
        assertEquals(2, logged.size(), "and again a minute later");
    }

    @Test
    void aVoteRequestUnderThisNodesOwnIdIsRefusedAndAMembersIsAnswered() {
        Election.VoteResponse answer = ask(new Election.VoteRequest(false, 4, "n1", 10, 3));
        assertFalse(answer.granted());
        assertEquals("it has this node's own id n1", answer.reason());
        assertTrue(ask(new Election.VoteRequest(false, 4, "n2", 10, 3)).granted(), "a member's goes to the election");
        assertEquals(List.of("n2"), reachedTheElection.stream().map(Election.VoteRequest::candidate).toList());
        assertEquals(1, logged.size(), logged.toString());
    }

    @Test
    void aStrangersReplicationStreamIsRefusedAndNothingIsRecorded() {
        EmbeddedChannel stream = stream("n4");
        stream.writeInbound(leaderFrame(3, 7, "n4"));
        assertEquals(new ReplicationCodec.Position(0, 0, 0, false), position(stream), "refused, with this node's term");
        awaitClosed(stream);
        assertEquals(0, replica.currentTerm(), "its term is not taken");
        assertNull(replica.votedFor(), "nor is it followed");
        assertNull(follower.leader());
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.get(0).contains("refused a replication stream from embedded: n4 is not a member"), logged.get(0));
    }

    @Test
    void twoLiveStreamsClaimingOneMemberAreLoggedAsAConflict() {
        EmbeddedChannel first = stream("n2");
        first.writeInbound(leaderFrame(1, 0xa, "n2"));
        assertTrue(position(first).accepted());
        assertTrue(logged.isEmpty(), "one leader: " + logged);

        EmbeddedChannel second = stream("n2");
        second.writeInbound(leaderFrame(2, 0xb, "n2"));
        awaitFrame(second).release();
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.get(0).startsWith("id-conflict n1: two live connections claim to be n2: a replication stream as n2#b (term 2)"),
                logged.get(0));

        // The newer term took over; the same leader reconnecting is no conflict.
        EmbeddedChannel again = stream("n2");
        again.writeInbound(leaderFrame(2, 0xb, "n2"));
        awaitFrame(again).release();
        assertEquals(1, logged.size(), logged.toString());

        // A leader does not stand while it leads: a vote request under its id comes from another process.
        now.addAndGet(TimeUnit.MINUTES.toNanos(1));
        ask(new Election.VoteRequest(true, 3, "n2", 0, 0));
        assertEquals(2, logged.size(), logged.toString());
        assertTrue(logged.get(1).contains("a pre-vote request from embedded while its stream as leader of term 2"), logged.get(1));
    }

    /** Sends {@code request} alone on a stream, as a candidate does, and reads the answer. */
    private Election.VoteResponse ask(Election.VoteRequest request) {
        EmbeddedChannel stream = stream(request.candidate());
        stream.writeInbound(ReplicationCodec.vote(ByteBufAllocator.DEFAULT, request));
        ByteBuf frame = skipLength(awaitFrame(stream));
        try {
            return ReplicationCodec.readVoted(frame);
        } finally {
            frame.release();
            awaitClosed(stream);
        }
    }

    private static ReplicationCodec.Position position(EmbeddedChannel on) {
        ByteBuf frame = skipLength(awaitFrame(on));
        try {
            return ReplicationCodec.readPosition(frame);
        } finally {
            frame.release();
        }
    }

    private static ByteBuf leaderFrame(long term, long incarnation, String name) {
        return ReplicationCodec.leader(ByteBufAllocator.DEFAULT, new ReplicationCodec.Leader(term, incarnation, name, ""));
    }

    /** A connection to n1's port on which {@code name} has said hello as a replication stream. */
    private EmbeddedChannel stream(String name) {
        EmbeddedChannel accepted = new EmbeddedChannel();
        channels.add(accepted);
        Pipelines.acceptingSide(accepted.pipeline(), null, Duration.ofSeconds(10), new AcceptingHandshake("n1", ClusterId.DEFAULT,
                (channel, peer) -> Pipelines.acceptingReplication(channel.pipeline(), MAX_FRAME, follower.newStream())),
                new AckHandler(new LeaderTracker("n1", Duration.ofSeconds(1)), HeartbeatObserver.NONE), new ConnectionErrorHandler("n1"));
        EmbeddedChannel from = new EmbeddedChannel();
        Pipelines.connectingSide(from.pipeline(), LinkSecurity.PLAINTEXT, new Identity(LinkRole.REPLICATION, name, 1, 0),
                new HeartbeatHandler(HeartbeatHandler.Listener.NONE), new ConnectionErrorHandler(name));
        ConnectingHandshake.ready(from, TimeUnit.SECONDS.toNanos(10));
        accepted.writeInbound((ByteBuf) from.readOutbound());
        from.finishAndReleaseAll();
        ((ByteBuf) accepted.readOutbound()).release(); // the hello's ack
        return accepted;
    }

    private static ByteBuf awaitFrame(EmbeddedChannel on) {
        ByteBuf[] frame = {null};
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(10)).until(() -> {
            on.runPendingTasks();
            frame[0] = on.readOutbound();
            return frame[0] != null;
        });
        return frame[0];
    }

    private static ByteBuf skipLength(ByteBuf frame) {
        return frame.skipBytes(ReplicationCodec.LENGTH_BYTES);
    }

    private static void awaitClosed(EmbeddedChannel on) {
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(10)).until(() -> {
            on.runPendingTasks();
            return !on.isOpen();
        });
    }
}
