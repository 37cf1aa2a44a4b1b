package dev.repl.protocol;

import static dev.repl.testing.Wire.bytes;
import static dev.repl.testing.Wire.readHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    private static EmbeddedChannel framed() {
        return new EmbeddedChannel(new FixedLengthFrameDecoder(FrameCodec.FRAME_LENGTH), FrameCodec.INSTANCE);
    }

    @Test
    void heartbeatIsTypeByteThenBigEndianSequence() {
        EmbeddedChannel ch = framed();
        ch.writeOutbound(Frame.heartbeat(0x010203));
        assertEquals("48010203", readHex(ch));
        assertFalse(ch.finish());
    }

    @Test
    void ackIsTypeByteThenBigEndianSequence() {
        EmbeddedChannel ch = framed();
        ch.writeOutbound(Frame.ack(7));
        assertEquals("41000007", readHex(ch));
        assertFalse(ch.finish());
    }

    @Test
    void decodesEachFrameType() {
        EmbeddedChannel ch = framed();
        ch.writeInbound(bytes(0x48, 0, 0, 1), bytes(0x41, 0xff, 0xff, 0xff));
        assertEquals(Frame.heartbeat(1), ch.readInbound());
        assertEquals(Frame.ack(Frame.MAX_SEQUENCE), ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void frameSplitAcrossReadsIsDecodedOnceComplete() {
        EmbeddedChannel ch = framed();
        ch.writeInbound(bytes(0x48));
        ch.writeInbound(bytes(0x00, 0x01));
        assertNull(ch.readInbound());
        ch.writeInbound(bytes(0x02));
        assertEquals(Frame.heartbeat(0x0102), ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void coalescedFramesInOneReadAreAllDecoded() {
        EmbeddedChannel ch = framed();
        ch.writeInbound(bytes(0x48, 0, 0, 1, 0x48, 0, 0, 2, 0x41, 0, 0, 3, 0x48, 0));
        assertEquals(Frame.heartbeat(1), ch.readInbound());
        assertEquals(Frame.heartbeat(2), ch.readInbound());
        assertEquals(Frame.ack(3), ch.readInbound());
        assertNull(ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void unknownTypeByteIsProtocolErrorNamingTheBytes() {
        EmbeddedChannel ch = framed();
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(bytes(0x47, 0x45, 0x54, 0x20)));
        assertTrue(e instanceof ProtocolException, e.toString());
        assertEquals("unknown frame type 0x47 in frame 47 45 54 20", e.getMessage());
        ch.finishAndReleaseAll();
    }

    @Test
    void sequenceWrapsAtTwoToTheTwentyFourth() {
        assertEquals(0, Frame.nextSequence(Frame.MAX_SEQUENCE));
        assertEquals(1, Frame.distance(Frame.MAX_SEQUENCE, 0));
        assertEquals(Frame.heartbeat(0), FrameCodec.unpack(FrameCodec.pack(Frame.heartbeat(Frame.nextSequence(Frame.MAX_SEQUENCE)))));
        assertThrows(IllegalArgumentException.class, () -> Frame.heartbeat(1 << 24));
        assertThrows(IllegalArgumentException.class, () -> Frame.ack(-1));
    }
}
