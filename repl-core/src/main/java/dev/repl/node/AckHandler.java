package dev.repl.node;

import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.FrameType;
import dev.repl.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

/**
 * Answers every heartbeat with an ack carrying the same sequence number, and tells the
 * node's {@link LeaderTracker}. Anything else arriving on an accepted connection is a protocol
 * error. Keeps no per-channel state.
 */
@Sharable
public final class AckHandler extends SimpleChannelInboundHandler<ByteBuf> {

    private final LeaderTracker leader;
    private final HeartbeatObserver observer;

    public AckHandler(LeaderTracker leader, HeartbeatObserver observer) {
        this.leader = leader;
        this.observer = observer;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        FrameType type = FrameCodec.type(frame);
        if (type != FrameType.HEARTBEAT) {
            throw new ProtocolException("unexpected " + type + " frame " + FrameCodec.hex(frame) + " (only heartbeats are accepted here)");
        }
        leader.heartbeatReceived(ctx.channel(), System.nanoTime());
        int sequence = FrameCodec.payload(frame);
        ByteBuf ack = FrameCodec.encode(ctx.alloc(), FrameType.ACK, sequence);
        if (observer == HeartbeatObserver.NONE) {
            ctx.writeAndFlush(ack, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(ack).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    observer.ackSent(f.channel(), sequence);
                }
            });
        }
    }
}
