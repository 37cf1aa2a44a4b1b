package dev.repl.node;

import static dev.repl.testing.Wire.readHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.handshake.AcceptingHandshake;
import dev.repl.handshake.ClusterId;
import dev.repl.testing.Wire;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.Pipelines;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AckHandlerTest {

    private final List<Integer> answered = new ArrayList<>();

    private EmbeddedChannel newAcceptingSide() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Pipelines.acceptingSide(ch.pipeline(), null, Duration.ofSeconds(10), new AcceptingHandshake("test", ClusterId.DEFAULT),
                new AckHandler(new LeaderTracker("test", Duration.ofSeconds(1)), (channel, seq) -> answered.add(seq)), new ConnectionErrorHandler("test"));
        return ch;
    }

    /** An accepted connection past its hello, as every leader's is. */
    private EmbeddedChannel acceptingSide() {
        EmbeddedChannel ch = newAcceptingSide();
        ch.writeInbound(Wire.hello());
        assertEquals("4101a219", readHex(ch), "the hello is acked with its own payload");
        return ch;
    }

    @Test
    void pipelineHandlersAreNamedAndTheHandshakeLeavesOnceDone() {
        EmbeddedChannel ch = newAcceptingSide();
        assertEquals(List.of("frameDecoder", "frameCodec", "idleTimeout", "handshake", "ackHandler", "connectionErrors"),
                ch.pipeline().names().subList(0, 6));
        ch.writeInbound(Wire.hello());
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
    void garbageFrameClosesOnlyThatConnection() {
        EmbeddedChannel bad = acceptingSide();
        EmbeddedChannel good = acceptingSide();
        bad.writeInbound(Unpooled.wrappedBuffer("GET ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
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
    void connectionWithoutAWholeFrameIsClosedAfterTheIdleTimeout() {
        EmbeddedChannel ch = newAcceptingSide();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x4a, 0x01})); // half a frame, then silence
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
