package dev.repl.leader;

import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.FrameType;
import dev.repl.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.Arrays;

/**
 * The leader's end of one follower connection: numbers each heartbeat it sends and matches
 * each ack to its heartbeat by that number, reporting the round-trip time. One per channel;
 * all of its methods run on the channel's event loop.
 */
public final class HeartbeatHandler extends SimpleChannelInboundHandler<ByteBuf> {

    /** Told on the event loop; must not block. */
    public interface Listener {
        /** Hears nothing: for a connection whose acks no one waits for. */
        Listener NONE = new Listener() {
            @Override
            public void ackReceived(int sequence, long rttNanos, long atNanos) {
            }

            @Override
            public void connectionClosed(Throwable cause) {
            }
        };

        /** @param atNanos when the ack was read, the {@link System#nanoTime()} the RTT ends at */
        void ackReceived(int sequence, long rttNanos, long atNanos);

        /** @param cause what closed the connection, or null when the peer closed it cleanly */
        void connectionClosed(Throwable cause);
    }

    /** How many unanswered heartbeats keep their send time; older acks are accepted but not timed. */
    private static final int WINDOW = 64;
    private static final long NOT_PENDING = Long.MIN_VALUE;

    private final Listener listener;
    private final long[] sentAtNanos = new long[WINDOW];
    private ChannelHandlerContext ctx;
    private int nextSequence;
    private int lastSent = -1;
    private Throwable failure;

    public HeartbeatHandler(Listener listener) {
        this(listener, 0);
    }

    /** Starts numbering at {@code firstSequence}, so tests can reach the wrap-around quickly. */
    HeartbeatHandler(Listener listener, int firstSequence) {
        this.listener = listener;
        this.nextSequence = firstSequence;
        Arrays.fill(sentAtNanos, NOT_PENDING);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Sends the next heartbeat. Call on the channel's event loop. */
    public void sendHeartbeat(ChannelPromise promise) {
        int sequence = nextSequence;
        nextSequence = FrameCodec.nextSequence(sequence);
        lastSent = sequence;
        sentAtNanos[sequence % WINDOW] = System.nanoTime();
        ctx.writeAndFlush(FrameCodec.encode(ctx.alloc(), FrameType.HEARTBEAT, sequence), promise);
    }

    /** True when the latest heartbeat has not been acked yet. */
    public boolean awaitingAck() {
        return lastSent >= 0 && sentAtNanos[lastSent % WINDOW] != NOT_PENDING;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        FrameType type = FrameCodec.type(frame);
        if (type != FrameType.ACK) {
            throw new ProtocolException("unexpected " + type + " frame " + FrameCodec.hex(frame) + " (a follower only sends acks)");
        }
        int sequence = FrameCodec.payload(frame);
        int age = lastSent < 0 ? -1 : FrameCodec.distance(sequence, lastSent);
        if (age < 0 || age > FrameCodec.MAX_SEQUENCE / 2) {
            throw new ProtocolException("ack " + FrameCodec.hex(frame) + " answers sequence " + sequence
                    + ", which was never sent (last sent: " + lastSent + ")");
        }
        if (age >= WINDOW) {
            return; // answers a heartbeat so old its send time is gone: proof of life, but no RTT
        }
        int slot = sequence % WINDOW;
        long sentAt = sentAtNanos[slot];
        if (sentAt == NOT_PENDING) {
            return; // a duplicate ack
        }
        sentAtNanos[slot] = NOT_PENDING;
        long now = System.nanoTime();
        listener.ackReceived(sequence, now - sentAt, now);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        listener.connectionClosed(failure);
        ctx.fireChannelInactive();
    }
}
