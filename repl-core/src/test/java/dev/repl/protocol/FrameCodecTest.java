package dev.repl.protocol;

import static dev.repl.testing.Wire.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    private static EmbeddedChannel framed() {
        return new EmbeddedChannel(new FrameDecoder(), FrameCodec.INSTANCE);
    }

    private static String encoded(FrameType type, int payload) {
        ByteBuf frame = FrameCodec.encode(UnpooledByteBufAllocator.DEFAULT, type, payload);
        try {
            return ByteBufUtil.hexDump(frame);
        } finally {
            frame.release();
        }
    }

    /** The next inbound frame as {@code TYPE payload}, released. */
    private static String readFrame(EmbeddedChannel ch) {
        ByteBuf frame = ch.readInbound();
        if (frame == null) {
            return null;
        }
        try {
            assertEquals(FrameCodec.FRAME_LENGTH, frame.readableBytes());
            return FrameCodec.type(frame) + " " + Integer.toHexString(FrameCodec.payload(frame));
        } finally {
            frame.release();
        }
    }

    @Test
    void eachFrameIsTypeByteThenBigEndianPayload() {
        assertEquals("48010203", encoded(FrameType.HEARTBEAT, 0x010203));
        assertEquals("41000007", encoded(FrameType.ACK, 7));
        assertEquals("4a03a219", encoded(FrameType.HELLO, FrameCodec.helloPayload(3, 0xa219)));
        assertEquals("494c01f4", encoded(FrameType.IDENTITY, FrameCodec.identityPayload(LinkRole.LEADER, 500)));
        assertEquals("54000007", encoded(FrameType.TERM, 7));
        assertEquals("5202a219", encoded(FrameType.REJECT, FrameCodec.rejectPayload(RejectReason.CLUSTER_MISMATCH, 0xa219)));
    }

    @Test
    void namesTravelThreeBytesAFrameAndEndAtAZeroByte() {
        assertArrayEquals(new int[] {0x616263, 0x640000}, FrameCodec.namePayloads("abcd".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(new int[] {0x616263, 0}, FrameCodec.namePayloads("abc".getBytes(StandardCharsets.UTF_8)),
                "a length that is a multiple of three ends with a frame of zeros");
        assertEquals(0x62, FrameCodec.nameByte(0x616263, 1));
        assertEquals(LinkRole.PROBE, FrameCodec.identityRole(FrameCodec.identityPayload(LinkRole.PROBE, 0)));
        assertEquals(65535, FrameCodec.identityIntervalMs(FrameCodec.identityPayload(LinkRole.LEADER, 65535)));
    }

    @Test
    void helloAndRejectPayloadsReadBack() {
        int hello = FrameCodec.helloPayload(1, 0x07c2);
        assertEquals(1, FrameCodec.helloVersion(hello));
        assertEquals(0x07c2, FrameCodec.helloTag(hello));
        int reject = FrameCodec.rejectPayload(RejectReason.VERSION_MISMATCH, 1);
        assertEquals(RejectReason.VERSION_MISMATCH, FrameCodec.rejectReason(reject));
        assertEquals(1, FrameCodec.rejectExpected(reject));
        assertNull(FrameCodec.rejectReason(0x630000), "an unknown reason code");
    }

    @Test
    void passesEachKnownFrameTypeThrough() {
        EmbeddedChannel ch = framed();
        ch.writeInbound(bytes(0x48, 0, 0, 1), bytes(0x41, 0xff, 0xff, 0xff), bytes(0x4a, 1, 0xa2, 0x19), bytes(0x52, 2, 0, 0));
        assertEquals("HEARTBEAT 1", readFrame(ch));
        assertEquals("ACK ffffff", readFrame(ch));
        assertEquals("HELLO 1a219", readFrame(ch));
        assertEquals("REJECT 20000", readFrame(ch));
        assertFalse(ch.finish());
    }

    @Test
    void frameSplitAcrossReadsIsPassedOnceComplete() {
        EmbeddedChannel ch = framed();
        ch.writeInbound(bytes(0x48));
        ch.writeInbound(bytes(0x00, 0x01));
        assertNull(ch.readInbound());
        ch.writeInbound(bytes(0x02));
        assertEquals("HEARTBEAT 102", readFrame(ch));
        assertFalse(ch.finish());
    }

    @Test
    void coalescedFramesInOneReadAreAllPassed() {
        EmbeddedChannel ch = framed();
        ch.writeInbound(bytes(0x48, 0, 0, 1, 0x48, 0, 0, 2, 0x41, 0, 0, 3, 0x48, 0));
        assertEquals("HEARTBEAT 1", readFrame(ch));
        assertEquals("HEARTBEAT 2", readFrame(ch));
        assertEquals("ACK 3", readFrame(ch));
        assertNull(readFrame(ch));
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
    void aTlsRecordIsNamedAsSuch() {
        EmbeddedChannel ch = framed();
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(bytes(0x16, 0x03, 0x01, 0x02)));
        assertEquals("unknown frame type 0x16 in frame 16 03 01 02: the peer speaks TLS (are --tls-* options set on one side only?)",
                e.getMessage());
        ch.finishAndReleaseAll();
    }

    @Test
    void sequenceWrapsAtTwoToTheTwentyFourth() {
        assertEquals(0, FrameCodec.nextSequence(FrameCodec.MAX_SEQUENCE));
        assertEquals(1, FrameCodec.distance(FrameCodec.MAX_SEQUENCE, 0));
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.word(FrameType.HEARTBEAT, 1 << 24));
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.word(FrameType.ACK, -1));
    }
}
