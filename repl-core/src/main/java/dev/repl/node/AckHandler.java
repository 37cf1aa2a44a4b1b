package dev.repl.node;

import dev.repl.handshake.Identity;
import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.FrameType;
import dev.repl.protocol.LinkRole;
import dev.repl.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.LongSupplier;

/**
 * Answers every heartbeat with an ack carrying the same sequence number, and tells the node's
 * {@link LeaderTracker}. Anything else on an accepted connection is a protocol error.
 *
 * <p>Acks are not written one by one: those of one read go out together when the read is done,
 * or every {@value #ACKS_PER_WRITE} acks in a long one. A peer that sends and never reads would
 * otherwise fill this node's memory with acks; once a connection's outbound buffer passes its
 * high-water mark it is not read again until its peer has taken the acks (backpressure). One per
 * channel: it holds the acks not yet written.
 */
public final class AckHandler extends ChannelInboundHandlerAdapter {

    /** Often enough that writability is checked within a read; rarely enough to write in bulk. */
    static final int ACKS_PER_WRITE = 512;

    private final LeaderTracker leader;
    private final HeartbeatObserver observer;
    private final LongSupplier currentTerm;
    private ByteBuf acks;
    private int lastSequence;

    public AckHandler(LeaderTracker leader, HeartbeatObserver observer) {
        this(leader, observer, null);
    }

    /**
     * @param currentTerm this node's term, for a node that elects its leader: a leader of an older
     *                    term is not acked (its link is closed), so that it stops counting this
     *                    node toward its majority; null: every heartbeat is acked
     */
    public AckHandler(LeaderTracker leader, HeartbeatObserver observer, LongSupplier currentTerm) {
        this.leader = leader;
        this.observer = observer;
        this.currentTerm = currentTerm;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            FrameType type = FrameCodec.type(frame);
            if (type != FrameType.HEARTBEAT) {
                throw new ProtocolException("unexpected " + type + " frame " + FrameCodec.hex(frame) + " (only heartbeats are accepted here)");
            }
            Identity peer = ctx.channel().attr(Identity.KEY).get();
            if (currentTerm != null && peer != null && peer.role() == LinkRole.LEADER && peer.term() < currentTerm.getAsLong()) {
                throw new ProtocolException("heartbeat of " + peer.name() + ", leader of term " + peer.term() + "; this node is in term "
                        + currentTerm.getAsLong());
            }
            if (peer != null) {
                leader.heartbeatReceived(peer, ctx.channel(), System.nanoTime());
            }
            if (acks == null) {
                acks = ctx.alloc().ioBuffer(4 * FrameCodec.FRAME_LENGTH, FrameCodec.FRAME_LENGTH * ACKS_PER_WRITE);
            }
            lastSequence = FrameCodec.payload(frame);
            FrameCodec.write(acks, FrameType.ACK, lastSequence);
        } finally {
            frame.release();
        }
        if (acks.maxWritableBytes() < FrameCodec.FRAME_LENGTH) {
            write(ctx);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (acks != null) {
            write(ctx);
        }
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    /** Queues the acks so far; the read's end flushes them. Stops reading while they cannot be written. */
    private void write(ChannelHandlerContext ctx) {
        ByteBuf batch = acks;
        acks = null;
        if (observer == HeartbeatObserver.NONE) {
            ctx.write(batch, ctx.voidPromise());
        } else {
            int sequence = lastSequence;
            ctx.write(batch).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    observer.ackSent(f.channel(), sequence);
                }
            });
        }
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    /**
     * The connection is about to be closed for an error: the acks of the heartbeats that came
     * before it still go out, as they would have one by one.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (acks != null) {
            write(ctx);
        }
        ctx.flush();
        ctx.fireExceptionCaught(cause);
    }

    /** The peer has taken enough of its acks: read from it again. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (acks != null) {
            acks.release();
            acks = null;
        }
    }
}
