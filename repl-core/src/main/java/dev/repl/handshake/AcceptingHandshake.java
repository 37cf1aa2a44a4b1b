package dev.repl.handshake;

import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.FrameType;
import dev.repl.protocol.ProtocolException;
import dev.repl.protocol.RejectReason;
import dev.repl.transport.Addresses;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting side's half of the hello exchange: the first frame must be a hello of this
 * protocol version and cluster. It is answered with an ack and this handler leaves the pipeline;
 * otherwise a reject is sent, one line logged, and the connection closed. Keeps no per-channel state.
 */
@Sharable
public final class AcceptingHandshake extends SimpleChannelInboundHandler<ByteBuf> {

    private static final Logger log = LoggerFactory.getLogger(AcceptingHandshake.class);

    private final String nodeName;
    private final ClusterId clusterId;

    public AcceptingHandshake(String nodeName, ClusterId clusterId) {
        this.nodeName = nodeName;
        this.clusterId = clusterId;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        if (!ctx.channel().isActive()) {
            return; // refused already; frames that came in the same read are dropped
        }
        FrameType type = FrameCodec.type(frame);
        if (type != FrameType.HELLO) {
            throw new ProtocolException("expected a hello first, got " + type + " frame " + FrameCodec.hex(frame)
                    + " (a peer of an older version, or not a leader)");
        }
        int payload = FrameCodec.payload(frame);
        int version = FrameCodec.helloVersion(payload);
        int tag = FrameCodec.helloTag(payload);
        if (version != Handshake.PROTOCOL_VERSION) {
            refuse(ctx, RejectReason.VERSION_MISMATCH, Handshake.PROTOCOL_VERSION, version);
        } else if (tag != clusterId.tag()) {
            refuse(ctx, RejectReason.CLUSTER_MISMATCH, clusterId.tag(), tag);
        } else {
            ctx.writeAndFlush(FrameCodec.encode(ctx.alloc(), FrameType.ACK, payload), ctx.voidPromise());
            ctx.pipeline().remove(this);
        }
    }

    private void refuse(ChannelHandlerContext ctx, RejectReason reason, int expected, int sent) {
        log.warn("{}: refused {}: {}: expected {}, peer sent {}", nodeName, Addresses.format(ctx.channel().remoteAddress()),
                reason.text(), Handshake.format(reason, expected), Handshake.format(reason, sent));
        ctx.writeAndFlush(FrameCodec.encode(ctx.alloc(), FrameType.REJECT, FrameCodec.rejectPayload(reason, expected)), ctx.voidPromise());
        ctx.close();
    }
}
