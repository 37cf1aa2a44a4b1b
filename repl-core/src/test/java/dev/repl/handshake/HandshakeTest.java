package dev.repl.handshake;

import static dev.repl.testing.Wire.bytes;
import static dev.repl.testing.Wire.readHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.leader.HeartbeatHandler;
import dev.repl.node.AckHandler;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.FailureReason;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HandshakeTest {

    private static final ClusterId OTHER = ClusterId.of("other");

    private static EmbeddedChannel acceptingSide(ClusterId cluster) {
        EmbeddedChannel ch = new EmbeddedChannel();
        Pipelines.acceptingSide(ch.pipeline(), null, Duration.ofSeconds(10), new AcceptingHandshake("follower-1", cluster),
                new AckHandler(new LeaderTracker("follower-1", Duration.ofSeconds(1)), HeartbeatObserver.NONE), new ConnectionErrorHandler("follower-1"));
        return ch;
    }

    private static EmbeddedChannel connectingSide(ClusterId cluster) {
        EmbeddedChannel ch = new EmbeddedChannel();
        Pipelines.connectingSide(ch.pipeline(), new LinkSecurity(cluster, null), new HeartbeatHandler(new HeartbeatHandler.Listener() {
            @Override
            public void ackReceived(int sequence, long rttNanos, long atNanos) {
            }

            @Override
            public void connectionClosed(Throwable cause) {
            }
        }), new ConnectionErrorHandler("leader"));
        return ch;
    }

    @Test
    void clusterTagIsTheFirstTwoBytesOfTheNamesSha256() {
        assertEquals("a219", ClusterId.DEFAULT.hexTag());
        assertEquals(ClusterId.tagOf(ClusterId.DEFAULT_NAME), ClusterId.DEFAULT_TAG, "the written-out default tag is the hash of its name");
        assertEquals(ClusterId.DEFAULT, ClusterId.of("repl"));
        assertEquals("repl (a219)", ClusterId.DEFAULT.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterId.of("has space"));
        assertTrue(e.getMessage().startsWith("cluster id 'has space' must be"), e.getMessage());
    }

    @Test
    void helloOfTheSameClusterIsAckedAndHeartbeatsFollow() {
        EmbeddedChannel follower = acceptingSide(ClusterId.DEFAULT);
        EmbeddedChannel leader = connectingSide(ClusterId.DEFAULT);
        Future<Channel> ready = ConnectingHandshake.ready(leader, TimeUnit.SECONDS.toNanos(10));
        assertEquals("4a01a219", readHex(leader));
        follower.writeInbound(bytes(0x4a, 0x01, 0xa2, 0x19));
        assertEquals("4101a219", readHex(follower));
        leader.writeInbound(bytes(0x41, 0x01, 0xa2, 0x19));
        assertTrue(ready.isSuccess());
        assertFalse(follower.finish());
        assertFalse(leader.finish());
    }

    @Test
    void helloOfAnotherClusterIsRejectedWithTheExpectedTagAndBothSidesNameBothValues() {
        EmbeddedChannel follower = acceptingSide(ClusterId.DEFAULT);
        EmbeddedChannel leader = connectingSide(OTHER);
        Future<Channel> ready = ConnectingHandshake.ready(leader, TimeUnit.SECONDS.toNanos(10));
        assertEquals("4a01" + OTHER.hexTag(), readHex(leader));
        follower.writeInbound(bytes(0x4a, 0x01, OTHER.tag() >> 8, OTHER.tag() & 0xff));
        assertEquals("5202a219", readHex(follower), "reject: cluster mismatch, expected a219");
        assertFalse(follower.isOpen());

        leader.writeInbound(bytes(0x52, 0x02, 0xa2, 0x19));
        assertFalse(ready.isSuccess());
        assertEquals("rejected by peer: cluster id mismatch: peer expected a219, we sent " + OTHER.hexTag(),
                FailureReason.explain(ready.cause()));
        assertFalse(leader.isOpen());
        leader.finishAndReleaseAll();
        follower.finishAndReleaseAll();
    }

    @Test
    void helloOfAnotherVersionIsRejectedWithTheVersionSpoken() {
        EmbeddedChannel follower = acceptingSide(ClusterId.DEFAULT);
        follower.writeInbound(bytes(0x4a, 0x02, 0xa2, 0x19));
        assertEquals("52010001", readHex(follower));
        assertFalse(follower.isOpen());
        follower.finishAndReleaseAll();
    }

    @Test
    void framesAfterARefusedHelloAreDropped() {
        EmbeddedChannel follower = acceptingSide(ClusterId.DEFAULT);
        follower.writeInbound(bytes(0x4a, 0x01, 0, 0, 0x48, 0, 0, 1));
        assertEquals("5202a219", readHex(follower));
        assertNull(follower.readOutbound(), "no ack for the heartbeat behind the refused hello");
        follower.finishAndReleaseAll();
    }

    @Test
    void peerClosingBeforeAnsweringTheHelloIsNamed() {
        EmbeddedChannel leader = connectingSide(ClusterId.DEFAULT);
        Future<Channel> ready = ConnectingHandshake.ready(leader, TimeUnit.SECONDS.toNanos(10));
        readHex(leader);
        leader.close();
        assertEquals("connection closed by peer before answering the hello", FailureReason.explain(ready.cause()));
        leader.finishAndReleaseAll();
    }

    @Test
    void unansweredHelloTimesOut() {
        EmbeddedChannel leader = connectingSide(ClusterId.DEFAULT);
        Future<Channel> ready = ConnectingHandshake.ready(leader, TimeUnit.SECONDS.toNanos(2));
        readHex(leader);
        leader.advanceTimeBy(3, TimeUnit.SECONDS);
        leader.runPendingTasks();
        assertEquals("timed out: no answer to the hello within 2000 ms", FailureReason.explain(ready.cause()));
        assertFalse(leader.isOpen());
        leader.finishAndReleaseAll();
    }

    @Test
    void anAnswerThatIsNeitherAckNorRejectIsAProtocolError() {
        EmbeddedChannel leader = connectingSide(ClusterId.DEFAULT);
        Future<Channel> ready = ConnectingHandshake.ready(leader, TimeUnit.SECONDS.toNanos(10));
        readHex(leader);
        leader.writeInbound(bytes(0x48, 0x54, 0x54, 0x50));
        assertEquals("protocol error: expected an answer to hello 4a 01 a2 19, got HEARTBEAT frame 48 54 54 50",
                FailureReason.explain(ready.cause()));
        assertFalse(leader.isOpen());
        leader.finishAndReleaseAll();
    }
}
