package dev.repl.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.FixedLengthFrameDecoder;

/**
 * Netty's {@code FixedLengthFrameDecoder(4)}, handing each frame on as its own pooled 4-byte
 * buffer instead of a slice of the read buffer. With Netty 4.2's default (adaptive) allocator a
 * slice is a new object per frame, 40 bytes of garbage per heartbeat; a pooled copy of four bytes
 * is none, and frees the read buffer as soon as its frames are out. One per channel: it holds a
 * partial frame.
 */
public final class FrameDecoder extends FixedLengthFrameDecoder {

    public FrameDecoder() {
        super(FrameCodec.FRAME_LENGTH);
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < FrameCodec.FRAME_LENGTH) {
            return null;
        }
        return ctx.alloc().ioBuffer(FrameCodec.FRAME_LENGTH, FrameCodec.FRAME_LENGTH).writeBytes(in, FrameCodec.FRAME_LENGTH);
    }
}
