package dev.repl.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/** Bytes in and out of an {@link EmbeddedChannel}, as hex, releasing what it reads. */
public final class Wire {

    private Wire() {
    }

    /** The next outbound buffer as hex, e.g. {@code 41000007}; the buffer is released. */
    public static String readHex(EmbeddedChannel channel) {
        ByteBuf buf = channel.readOutbound();
        try {
            return ByteBufUtil.hexDump(buf);
        } finally {
            buf.release();
        }
    }

    public static ByteBuf bytes(int... values) {
        ByteBuf buf = Unpooled.buffer(values.length);
        for (int v : values) {
            buf.writeByte(v);
        }
        return buf;
    }
}
