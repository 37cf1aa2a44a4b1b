package dev.repl.handshake;

import dev.repl.config.Addresses;
import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.FrameType;
import dev.repl.protocol.RejectReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits in front of the TLS handler of a node that requires TLS and looks at the first byte a
 * peer sends. A TLS connection starts with a handshake record (0x16) and is let through; anything
 * else is a plaintext peer, answered in plaintext with a "TLS required" reject, so it can say why
 * it was refused instead of waiting for a TLS handshake that never comes. Leaves the pipeline
 * after the first TLS read, so it keeps no per-channel state.
 */
@Sharable
public final class TlsRequired extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(TlsRequired.class);
    private static final int TLS_HANDSHAKE_RECORD = 0x16;

    private final String nodeName;

    public TlsRequired(String nodeName) {
        this.nodeName = nodeName;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf && buf.isReadable() && buf.getUnsignedByte(buf.readerIndex()) != TLS_HANDSHAKE_RECORD) {
            ReferenceCountUtil.release(msg);
            log.warn("{}: refused plaintext connection from {}: this node requires TLS", nodeName, Addresses.format(ctx.channel().remoteAddress()));
            // Written from here, in front of the TLS handler, so it goes out in plaintext.
            ctx.writeAndFlush(FrameCodec.encode(ctx.alloc(), FrameType.REJECT, FrameCodec.rejectPayload(RejectReason.TLS_REQUIRED, 0)),
                    ctx.voidPromise());
            ctx.close();
            return;
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }
}
