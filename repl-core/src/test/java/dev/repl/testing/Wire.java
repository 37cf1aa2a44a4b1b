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

    /** The hello of the default cluster, as a leader sends it first: {@code 4a 01 a2 19}. */
    public static ByteBuf hello() {
        return bytes(0x4a, 0x01, 0xa2, 0x19);
    }

    public static ByteBuf bytes(int... values) {
        ByteBuf buf = Unpooled.buffer(values.length);
        for (int v : values) {
            buf.writeByte(v);
        }
        return buf;
    }
}
