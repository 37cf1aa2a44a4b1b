package dev.repl.node;

import static dev.repl.testing.Wire.readHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.Pipelines;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AckHandlerTest {

    private final List<Integer> answered = new ArrayList<>();

    private EmbeddedChannel acceptingSide() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Pipelines.acceptingSide(ch.pipeline(), new AckHandler(new LeaderTracker("test", Duration.ofSeconds(1)), (channel, seq) -> answered.add(seq)), new ConnectionErrorHandler("test"));
        return ch;
    }

    @Test
    void pipelineHandlersAreNamed() {
        EmbeddedChannel ch = acceptingSide();
        assertEquals(List.of("frameDecoder", "frameCodec", "ackHandler", "connectionErrors"),
                ch.pipeline().names().subList(0, 4));
        ch.finish();
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
}
