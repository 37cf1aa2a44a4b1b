package dev.repl.node;

import static dev.repl.testing.Wire.readAllHex;
import static dev.repl.testing.Wire.readHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.handshake.ClusterId;
import dev.repl.testing.Channels;
import dev.repl.testing.PeerThatDoesNotRead;
import dev.repl.testing.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AckHandlerTest {

    private final List<Integer> answered = new ArrayList<>();

    private EmbeddedChannel newAcceptingSide() {
        return Channels.accepting(ClusterId.DEFAULT, new LeaderTracker("test", Duration.ofSeconds(1)), (channel, seq) -> answered.add(seq));
    }

    /** An accepted connection past its hello, as every leader's is. */
    private EmbeddedChannel acceptingSide() {
        EmbeddedChannel ch = newAcceptingSide();
        ch.writeInbound(Wire.leaderHello());
        assertEquals(Wire.HELLO_ACK, readHex(ch), "the hello is acked with its own payload");
        return ch;
    }

    private static ByteBuf heartbeats(int first, int count) {
        ByteBuf frames = Unpooled.buffer(4 * count);
        for (int i = 0; i < count; i++) {
            frames.writeInt(0x48 << 24 | first + i);
        }
        return frames;
    }

    @Test
    void pipelineHandlersAreNamedAndTheHandshakeLeavesOnceDone() {
        EmbeddedChannel ch = newAcceptingSide();
        assertEquals(List.of("frameDecoder", "frameCodec", "idleTimeout", "handshake", "ackHandler", "connectionErrors"),
                ch.pipeline().names().subList(0, 6));
        ch.writeInbound(Wire.leaderHello());
        readHex(ch);
        assertEquals(List.of("frameDecoder", "frameCodec", "idleTimeout", "ackHandler", "connectionErrors"),
                ch.pipeline().names().subList(0, 5));
        ch.finish();
    }

    @Test
    void heartbeatBeforeAHelloClosesTheConnection() {
        EmbeddedChannel ch = newAcceptingSide();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x48, 0, 0, 1}));
        assertFalse(ch.isActive());
        assertEquals(List.of(), answered);
        ch.finishAndReleaseAll();
    }

    @Test
    void followerAnswersHeartbeatWithSameSequence() {
        EmbeddedChannel ch = acceptingSide();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x48, 0x12, 0x34, 0x56}));
        assertEquals("41123456", readHex(ch));
        assertEquals(List.of(0x123456), answered);
        assertTrue(ch.isActive());
        assertFalse(ch.finish());
    }

    @Test
    void acksOfOneReadGoOutTogetherInOrder() {
        EmbeddedChannel ch = acceptingSide();
        ch.writeInbound(heartbeats(7, 3));
        assertEquals("410000074100000841000009", readAllHex(ch));
        assertEquals(List.of(9), answered, "the observer hears of the write that carried them");
        assertFalse(ch.finish());
    }

    @Test
    void garbageFrameClosesOnlyThatConnection() {
        EmbeddedChannel bad = acceptingSide();
        EmbeddedChannel good = acceptingSide();
        bad.writeInbound(Unpooled.wrappedBuffer("GET ".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(bad.isActive());
        good.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x48, 0, 0, 9}));
        assertEquals("41000009", readHex(good));
        assertTrue(good.isActive());
        bad.finishAndReleaseAll();
        good.finishAndReleaseAll();
    }

    @Test
    void ackSentToAFollowerIsAProtocolError() {
        EmbeddedChannel ch = acceptingSide();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x41, 0, 0, 1}));
        assertFalse(ch.isActive());
        assertEquals(List.of(), answered);
        ch.finishAndReleaseAll();
    }

    @Test
    void peerThatDoesNotReadIsNotReadEitherUntilItsAcksDrain() {
        PeerThatDoesNotRead ch = Channels.accepting(new PeerThatDoesNotRead(), ClusterId.DEFAULT,
                new LeaderTracker("test", Duration.ofSeconds(1)), HeartbeatObserver.NONE);
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1024, 4096));
        ch.writeInbound(Wire.leaderHello());
        ch.writeInbound(heartbeats(0, 2048));
        assertFalse(ch.isWritable(), "8 KiB of acks queued for a peer that takes none");
        assertFalse(ch.config().isAutoRead(), "so the connection is not read");

        ch.peerReads();
        assertTrue(ch.isWritable());
        assertTrue(ch.config().isAutoRead(), "read again once the acks drained");
        assertEquals(Wire.HELLO_ACK.length() / 2 + 2048 * 4, readAllHex(ch).length() / 2, "every heartbeat read was answered");
        ch.finishAndReleaseAll();
    }

    @Test
    void connectionWithoutAWholeFrameIsClosedAfterTheIdleTimeout() {
        EmbeddedChannel ch = newAcceptingSide();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x4a, 0x02})); // half a frame, then silence
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        ch.runPendingTasks();
        assertTrue(ch.isActive(), "not yet: the idle timeout is 10 s");
        ch.advanceTimeBy(2, TimeUnit.SECONDS);
        ch.runPendingTasks();
        assertFalse(ch.isActive(), "a half frame does not count as activity");
        ch.finishAndReleaseAll();
    }

    @Test
    void wholeFramesKeepAConnectionOpen() {
        EmbeddedChannel ch = acceptingSide();
        for (int i = 0; i < 5; i++) {
            ch.advanceTimeBy(5, TimeUnit.SECONDS);
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x48, 0, 0, (byte) i}));
            ch.runPendingTasks();
            assertEquals(String.format("410000%02x", i), readHex(ch));
        }
        assertTrue(ch.isActive());
        ch.finishAndReleaseAll();
    }
}
