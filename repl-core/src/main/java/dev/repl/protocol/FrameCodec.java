package dev.repl.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import java.util.List;

/**
 * The only place that knows the frame layout: 4 bytes, big-endian, type in byte 0 and the
 * sequence number in bytes 1-3. It expects whole frames, so it sits behind a
 * {@code FixedLengthFrameDecoder(FRAME_LENGTH)}. Stateless, so one instance serves every channel.
 */
@Sharable
public final class FrameCodec extends MessageToMessageCodec<ByteBuf, Frame> {

    public static final int FRAME_LENGTH = 4;

    public static final FrameCodec INSTANCE = new FrameCodec();

    private FrameCodec() {
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        out.add(ctx.alloc().ioBuffer(FRAME_LENGTH, FRAME_LENGTH).writeInt(pack(frame)));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        out.add(unpack(in.readInt()));
    }

    public static int pack(Frame frame) {
        return (frame.type().code() & 0xFF) << 24 | frame.sequence();
    }

    /** @throws ProtocolException when the type byte is not a known frame type */
    public static Frame unpack(int word) {
        FrameType type = FrameType.of((byte) (word >>> 24));
        if (type == null) {
            throw new ProtocolException(String.format("unknown frame type 0x%02x in frame %s", word >>> 24, hex(word)));
        }
        return new Frame(type, word & Frame.MAX_SEQUENCE);
    }

    /** The frame's four bytes as the wire carries them, for example {@code 48 00 00 01}. */
    public static String hex(int word) {
        return String.format("%02x %02x %02x %02x", word >>> 24, word >>> 16 & 0xFF, word >>> 8 & 0xFF, word & 0xFF);
    }

    public static String hex(Frame frame) {
        return hex(pack(frame));
    }
}
