package dev.repl.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The only place that knows the frame layout: 4 bytes, big-endian, the type in byte 0 and a
 * 24-bit payload in bytes 1-3. Handlers pass frames around as the pooled 4-byte buffers
 * themselves and read them through these methods, so a heartbeat allocates no object of ours.
 *
 * <p>As a handler it sits behind a {@link FrameDecoder} and refuses an
 * unknown type byte once, so the handlers behind it only ever see known types. Stateless, so one
 * instance serves every channel.
 */
@Sharable
public final class FrameCodec extends ChannelInboundHandlerAdapter {

    public static final int FRAME_LENGTH = 4;

    /** Sequence numbers (and every payload) are 24 bits; sequences wrap from this value to 0. */
    public static final int MAX_SEQUENCE = (1 << 24) - 1;

    public static final FrameCodec INSTANCE = new FrameCodec();

    private FrameCodec() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!ctx.channel().isActive()) {
            // Closed by an error earlier in the same read: the rest of what came with it is dropped,
            // so one bad peer costs one log line.
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf frame && FrameType.of(frame.getByte(frame.readerIndex())) == null) {
            int word = frame.getInt(frame.readerIndex());
            frame.release();
            throw new ProtocolException(unknownType(word));
        }
        ctx.fireChannelRead(msg);
    }

    private static String unknownType(int word) {
        int type = word >>> 24;
        String message = String.format("unknown frame type 0x%02x in frame %s", type, hex(word));
        // TLS records start with a content type 0x14-0x17 and major version 3.
        if (type >= 0x14 && type <= 0x17 && (word >>> 16 & 0xFF) == 0x03) {
            message += ": the peer speaks TLS (are --tls-* options set on one side only?)";
        }
        return message;
    }

    /** A pooled buffer holding one frame, ready to write. */
    public static ByteBuf encode(ByteBufAllocator alloc, FrameType type, int payload) {
        return alloc.ioBuffer(FRAME_LENGTH, FRAME_LENGTH).writeInt(word(type, payload));
    }

    /** Appends one frame to {@code out}, for several frames in one write. */
    public static void write(ByteBuf out, FrameType type, int payload) {
        out.writeInt(word(type, payload));
    }

    /** The frame as one big-endian int. */
    public static int word(FrameType type, int payload) {
        if ((payload & ~MAX_SEQUENCE) != 0) {
            throw new IllegalArgumentException("payload " + payload + " is outside 0-" + MAX_SEQUENCE);
        }
        return (type.code() & 0xFF) << 24 | payload;
    }

    /** The type of a frame this handler has let through. */
    public static FrameType type(ByteBuf frame) {
        return FrameType.of(frame.getByte(frame.readerIndex()));
    }

    public static int payload(ByteBuf frame) {
        return frame.getInt(frame.readerIndex()) & MAX_SEQUENCE;
    }

    /** The frame's four bytes as the wire carries them, for example {@code 48 00 00 01}. */
    public static String hex(ByteBuf frame) {
        return hex(frame.getInt(frame.readerIndex()));
    }

    public static String hex(int word) {
        return String.format("%02x %02x %02x %02x", word >>> 24, word >>> 16 & 0xFF, word >>> 8 & 0xFF, word & 0xFF);
    }

    /** The sequence number after {@code sequence}, wrapping at 2^24. */
    public static int nextSequence(int sequence) {
        return (sequence + 1) & MAX_SEQUENCE;
    }

    /** How far {@code later} is ahead of {@code earlier}, modulo 2^24. */
    public static int distance(int earlier, int later) {
        return (later - earlier) & MAX_SEQUENCE;
    }

    /** A hello's payload: the protocol version in byte 1, the 16-bit cluster tag in bytes 2-3. */
    public static int helloPayload(int version, int clusterTag) {
        return (version & 0xFF) << 16 | clusterTag & 0xFFFF;
    }

    public static int helloVersion(int payload) {
        return payload >>> 16 & 0xFF;
    }

    public static int helloTag(int payload) {
        return payload & 0xFFFF;
    }

    /** An identity's payload: the link's role in byte 1, the sender's heartbeat interval in milliseconds in bytes 2-3. */
    public static int identityPayload(LinkRole role, int heartbeatIntervalMs) {
        if (heartbeatIntervalMs < 0 || heartbeatIntervalMs > 0xFFFF) {
            throw new IllegalArgumentException("heartbeat interval " + heartbeatIntervalMs + " ms is outside 0-65535");
        }
        return role.code() << 16 | heartbeatIntervalMs;
    }

    /** @return the role, or null for a code this version does not know */
    public static LinkRole identityRole(int payload) {
        return LinkRole.of(payload >>> 16 & 0xFF);
    }

    public static int identityIntervalMs(int payload) {
        return payload & 0xFFFF;
    }

    /**
     * A name as the payloads of its name frames: three bytes each, zero-padded, and ending with a
     * frame that holds a zero byte (a whole {@code 4e 00 00 00} when the length is a multiple of three).
     */
    public static int[] namePayloads(byte[] name) {
        int[] payloads = new int[name.length / 3 + 1];
        for (int i = 0; i < name.length; i++) {
            payloads[i / 3] |= (name[i] & 0xFF) << (16 - 8 * (i % 3));
        }
        return payloads;
    }

    /** Byte {@code i} (0-2) of a name frame's payload. */
    public static int nameByte(int payload, int i) {
        return payload >>> (16 - 8 * i) & 0xFF;
    }

    /** A reject's payload: the reason code in byte 1, what the rejecting side expected in bytes 2-3. */
    public static int rejectPayload(RejectReason reason, int expected) {
        return reason.code() << 16 | expected & 0xFFFF;
    }

    /** @return the reason, or null for a code this version does not know */
    public static RejectReason rejectReason(int payload) {
        return RejectReason.of(payload >>> 16 & 0xFF);
    }

    public static int rejectExpected(int payload) {
        return payload & 0xFFFF;
    }
}
