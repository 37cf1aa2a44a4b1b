package dev.repl.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.ByteOrder;

/**
 * Netty's {@code LengthFieldBasedFrameDecoder} for replication frames: a u32 length, stripped,
 * then the frame. A length over {@code --max-frame-bytes} is a protocol error as soon as its four
 * bytes arrive, before a byte of the frame is buffered. One per channel.
 */
public final class ReplicationFramer extends LengthFieldBasedFrameDecoder {

    /** The length prefix: a u32 of what follows it. */
    public static final int LENGTH_BYTES = 4;

    private final int maxFrameBytes;

    public ReplicationFramer(int maxFrameBytes) {
        super(maxFrameBytes + LENGTH_BYTES, 0, LENGTH_BYTES, 0, LENGTH_BYTES, true);
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
        long frame = buf.getUnsignedInt(offset);
        if (frame > maxFrameBytes) {
            throw new ProtocolException("replication frame of " + frame + " bytes, over the limit of " + maxFrameBytes + " (--max-frame-bytes)");
        }
        return frame;
    }
}
