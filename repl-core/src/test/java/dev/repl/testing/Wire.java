package dev.repl.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.HexFormat;

/** Bytes in and out of an {@link EmbeddedChannel}, as hex, releasing what it reads. */
public final class Wire {

    /**
     * What a leader named {@code leader}, heartbeating every 100 ms, says first on every link of
     * the default cluster: hello (version 3, tag a219), identity (leader, 100 ms), term 0, and its
     * name in three name frames.
     */
    public static final String LEADER_HELLO = "4a03a219" + "494c0064" + "54000000" + "4e6c6561" + "4e646572" + "4e000000";
    /** The same from a probe named {@code probe}. */
    public static final String PROBE_HELLO = "4a03a219" + "49500000" + "54000000" + "4e70726f" + "4e626500";
    /** The ack of either: the hello's own payload, echoed. */
    public static final String HELLO_ACK = "4103a219";

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

    /** Every outbound buffer so far, as one hex string; each buffer is released. */
    public static String readAllHex(EmbeddedChannel channel) {
        StringBuilder hex = new StringBuilder();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
            hex.append(ByteBufUtil.hexDump(buf));
            buf.release();
        }
        return hex.toString();
    }

    public static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
    }

    public static ByteBuf leaderHello() {
        return hex(LEADER_HELLO);
    }

    public static ByteBuf bytes(int... values) {
        ByteBuf buf = Unpooled.buffer(values.length);
        for (int v : values) {
            buf.writeByte(v);
        }
        return buf;
    }
}
