package dev.repl.handshake;

import static dev.repl.testing.Wire.bytes;
import static dev.repl.testing.Wire.readHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.client.FailureReason;
import dev.repl.leader.HeartbeatHandler;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.protocol.LinkRole;
import dev.repl.testing.Channels;
import dev.repl.testing.Wire;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HandshakeTest {

    private static final ClusterId OTHER = ClusterId.of("other");

    private static EmbeddedChannel acceptingSide(ClusterId cluster) {
        return Channels.accepting(cluster, new LeaderTracker("follower-1", Duration.ofSeconds(1)), HeartbeatObserver.NONE);
    }

    private static EmbeddedChannel connectingSide(ClusterId cluster, Identity self) {
        return Channels.connecting(cluster, self, new HeartbeatHandler(HeartbeatHandler.Listener.NONE));
    }

    private static EmbeddedChannel connectingSide(ClusterId cluster) {
        return connectingSide(cluster, Channels.LEADER);
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
    void leaderSaysHelloWithItsRoleTermIntervalAndNameAndTheFollowerKnowsWhoItIs() {
        EmbeddedChannel follower = acceptingSide(ClusterId.DEFAULT);
        EmbeddedChannel leader = connectingSide(ClusterId.DEFAULT);
        Future<Channel> ready = ConnectingHandshake.ready(leader, TimeUnit.SECONDS.toNanos(10));
        assertEquals(Wire.LEADER_HELLO, readHex(leader), "hello v3, identity L 100 ms, term 0, \"lea\" \"der\" and the end of the name");
        follower.writeInbound(Wire.leaderHello());
        assertEquals(Wire.HELLO_ACK, readHex(follower));
        assertEquals(new Identity(LinkRole.LEADER, "leader", 0, 100), follower.attr(Identity.KEY).get());
        leader.writeInbound(Wire.hex(Wire.HELLO_ACK));
        assertTrue(ready.isSuccess());
        assertFalse(follower.finish());
        assertFalse(leader.finish());
    }

    @Test
    void probeSaysItIsAProbe() {
        EmbeddedChannel probe = connectingSide(ClusterId.DEFAULT, Identity.probe("probe"));
        assertEquals(Wire.PROBE_HELLO, readHex(probe));
        EmbeddedChannel follower = acceptingSide(ClusterId.DEFAULT);
        follower.writeInbound(Wire.hex(Wire.PROBE_HELLO));
        assertEquals(Wire.HELLO_ACK, readHex(follower));
        assertEquals(Identity.probe("probe"), follower.attr(Identity.KEY).get());
        probe.finishAndReleaseAll();
        follower.finishAndReleaseAll();
    }

    @Test
    void namesOfEveryLengthTravelWhole() {
        for (String name : new String[] {"a", "ab", "abc", "abcd", "föllower-ü", "x".repeat(Identity.MAX_NAME_BYTES)}) {
            EmbeddedChannel leader = connectingSide(ClusterId.DEFAULT, Identity.leader(name, 7, 250));
            EmbeddedChannel follower = acceptingSide(ClusterId.DEFAULT);
            follower.writeInbound(leader.<io.netty.buffer.ByteBuf>readOutbound());
            assertEquals(Wire.HELLO_ACK, readHex(follower), name);
            assertEquals(new Identity(LinkRole.LEADER, name, 7, 250), follower.attr(Identity.KEY).get());
            leader.finishAndReleaseAll();
            follower.finishAndReleaseAll();
        }
    }

    @Test
    void helloOfAnotherClusterIsRejectedWithTheExpectedTagAndBothSidesNameBothValues() {
        EmbeddedChannel follower = acceptingSide(ClusterId.DEFAULT);
        EmbeddedChannel leader = connectingSide(OTHER);
        Future<Channel> ready = ConnectingHandshake.ready(leader, TimeUnit.SECONDS.toNanos(10));
        assertTrue(readHex(leader).startsWith("4a03" + OTHER.hexTag()));
        follower.writeInbound(bytes(0x4a, 0x03, OTHER.tag() >> 8, OTHER.tag() & 0xff));
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
        follower.writeInbound(bytes(0x4a, 0x01, 0xa2, 0x19));
        assertEquals("52010003", readHex(follower), "a version 1 peer is told this node speaks version 3");
        assertFalse(follower.isOpen());
        follower.finishAndReleaseAll();
    }

    @Test
    void framesAfterARefusedHelloAreDropped() {
        EmbeddedChannel follower = acceptingSide(ClusterId.DEFAULT);
        follower.writeInbound(bytes(0x4a, 0x03, 0, 0, 0x48, 0, 0, 1));
        assertEquals("5202a219", readHex(follower));
        assertNull(follower.readOutbound(), "no ack for the heartbeat behind the refused hello");
        follower.finishAndReleaseAll();
    }

    @Test
    void heartbeatInPlaceOfTheIdentityIsAProtocolError() {
        EmbeddedChannel follower = acceptingSide(ClusterId.DEFAULT);
        follower.writeInbound(bytes(0x4a, 0x03, 0xa2, 0x19, 0x48, 0, 0, 1));
        assertNull(follower.readOutbound(), "no ack: the hello is not done");
        assertFalse(follower.isOpen());
        follower.finishAndReleaseAll();
    }

    @Test
    void unknownRoleAndOverlongNameAreProtocolErrors() {
        EmbeddedChannel unknownRole = acceptingSide(ClusterId.DEFAULT);
        unknownRole.writeInbound(Wire.hex("4a03a219" + "495a0000"));
        assertFalse(unknownRole.isOpen());
        unknownRole.finishAndReleaseAll();

        EmbeddedChannel longName = acceptingSide(ClusterId.DEFAULT);
        longName.writeInbound(Wire.hex("4a03a219" + "494c0064" + "54000000" + "4e616161".repeat(30)));
        assertNull(longName.readOutbound());
        assertFalse(longName.isOpen());
        longName.finishAndReleaseAll();
    }

    @Test
    void aNodeNameMustFitAHello() {
        assertEquals("name '" + "x".repeat(63) + "' is longer than 62 bytes",
                assertThrows(IllegalArgumentException.class, () -> Identity.checkName("x".repeat(63))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Identity.checkName("tab\there"));
        assertThrows(IllegalArgumentException.class, () -> Identity.checkName(" "));
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
        assertEquals("protocol error: expected an answer to hello 4a 03 a2 19, got HEARTBEAT frame 48 54 54 50",
                FailureReason.explain(ready.cause()));
        assertFalse(leader.isOpen());
        leader.finishAndReleaseAll();
    }
}
