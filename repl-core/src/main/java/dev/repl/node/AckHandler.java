package dev.repl.node;

import dev.repl.protocol.Frame;
import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.FrameType;
import dev.repl.protocol.ProtocolException;
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
public final class AckHandler extends SimpleChannelInboundHandler<Frame> {

    private final LeaderTracker leader;
    private final HeartbeatObserver observer;

    public AckHandler(LeaderTracker leader, HeartbeatObserver observer) {
        this.leader = leader;
        this.observer = observer;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        if (frame.type() != FrameType.HEARTBEAT) {
            throw new ProtocolException("unexpected " + frame.type() + " frame " + FrameCodec.hex(frame) + " (only heartbeats are accepted here)");
        }
        leader.heartbeatReceived(ctx.channel(), System.nanoTime());
        int sequence = frame.sequence();
        if (observer == HeartbeatObserver.NONE) {
            ctx.writeAndFlush(Frame.ack(sequence), ctx.voidPromise());
        } else {
            ctx.writeAndFlush(Frame.ack(sequence)).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    observer.ackSent(f.channel(), sequence);
                }
            });
        }
    }
}
