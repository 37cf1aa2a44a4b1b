package dev.repl.handshake;

import dev.repl.api.client.FailureReason;
import dev.repl.failure.HandshakeFailedException;
import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.FrameType;
import dev.repl.protocol.ProtocolException;
import dev.repl.protocol.RejectReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The connecting side's half of the hello exchange: once the connection (and TLS, when on) is
 * up, sends the hello and this end's {@link Identity}, and waits for the hello's ack. When the
 * peer accepts, this handler hands its place in the pipeline to the handler that does the link's
 * work, so that handler sees only a linked peer, and {@link #ready} completes; otherwise
 * {@link #ready} fails with why. One per channel.
 */
public final class ConnectingHandshake extends ChannelInboundHandlerAdapter {

    private static final AttributeKey<ConnectingHandshake> HANDSHAKE = AttributeKey.valueOf(ConnectingHandshake.class, "handshake");

    private final int hello;
    private final Identity self;
    private final String nextName;
    private final ChannelHandler next;
    private ChannelHandlerContext ctx;
    private Promise<Channel> ready;
    private boolean begun;

    /**
     * @param self who this end says it is
     * @param next takes this handler's place, under {@code nextName}, once the peer accepts
     */
    public ConnectingHandshake(ClusterId clusterId, Identity self, String nextName, ChannelHandler next) {
        this.hello = FrameCodec.helloPayload(Handshake.PROTOCOL_VERSION, clusterId.tag());
        this.self = self;
        this.nextName = nextName;
        this.next = next;
    }

    /**
     * Call on the channel's event loop as soon as it connects.
     *
     * @param timeoutNanos how long the peer has to accept the hello, TLS handshake included, or
     *                     {@code Long.MAX_VALUE} when the caller keeps time itself
     * @return completes with the channel when the peer accepted the hello, or null when the
     *         channel's pipeline has no handshake
     */
    public static Future<Channel> ready(Channel channel, long timeoutNanos) {
        ConnectingHandshake handshake = channel.attr(HANDSHAKE).get();
        if (handshake == null) {
            return null;
        }
        if (timeoutNanos == Long.MAX_VALUE) {
            return handshake.ready;
        }
        ScheduledFuture<?> timer = channel.eventLoop().schedule(() -> handshake.fail(new HandshakeFailedException(FailureReason.TIMED_OUT,
                "no answer to the hello within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms")), timeoutNanos, TimeUnit.NANOSECONDS);
        handshake.ready.addListener(f -> timer.cancel(false));
        return handshake.ready;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ready = ctx.executor().newPromise();
        ctx.channel().attr(HANDSHAKE).set(this);
        if (ctx.channel().isActive()) {
            begin(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        begin(ctx);
        ctx.fireChannelActive();
    }

    private void begin(ChannelHandlerContext ctx) {
        if (begun) {
            return;
        }
        begun = true;
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls == null) {
            sendHello(ctx);
        } else {
            tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    sendHello(ctx);
                } else {
                    fail(f.cause());
                }
            });
        }
    }

    /** The hello, the identity, the term and the name, in one write. */
    private void sendHello(ChannelHandlerContext ctx) {
        int[] name = FrameCodec.namePayloads(self.name().getBytes(StandardCharsets.UTF_8));
        ByteBuf frames = ctx.alloc().ioBuffer(FrameCodec.FRAME_LENGTH * (3 + name.length));
        FrameCodec.write(frames, FrameType.HELLO, hello);
        FrameCodec.write(frames, FrameType.IDENTITY, FrameCodec.identityPayload(self.role(), self.heartbeatIntervalMs()));
        FrameCodec.write(frames, FrameType.TERM, (int) self.term());
        for (int chunk : name) {
            FrameCodec.write(frames, FrameType.NAME, chunk);
        }
        ctx.writeAndFlush(frames).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fail(f.cause());
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ready.isDone()) {
            ReferenceCountUtil.release(msg); // the handshake failed and the connection is closing
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        try {
            FrameType type = FrameCodec.type(frame);
            int payload = FrameCodec.payload(frame);
            if (type == FrameType.ACK && payload == hello) {
                ctx.pipeline().replace(this, nextName, next);
                ready.trySuccess(ctx.channel());
            } else if (type == FrameType.REJECT) {
                fail(rejected(payload));
                ctx.close();
            } else {
                throw new ProtocolException("expected an answer to hello " + FrameCodec.hex(FrameCodec.word(FrameType.HELLO, hello))
                        + ", got " + type + " frame " + FrameCodec.hex(frame));
            }
        } finally {
            frame.release();
        }
    }

    private HandshakeFailedException rejected(int payload) {
        RejectReason reason = FrameCodec.rejectReason(payload);
        if (reason == null) {
            return new HandshakeFailedException(FailureReason.REJECTED, "unknown reason code " + (payload >>> 16));
        }
        if (reason == RejectReason.TLS_REQUIRED) {
            return new HandshakeFailedException(FailureReason.TLS_FAILED, "the peer requires TLS and this end has it off (--tls-cert, --tls-key, --tls-ca)");
        }
        int ours = reason == RejectReason.CLUSTER_MISMATCH ? FrameCodec.helloTag(hello) : FrameCodec.helloVersion(hello);
        return new HandshakeFailedException(FailureReason.REJECTED, reason.text() + ": peer expected "
                + Handshake.format(reason, FrameCodec.rejectExpected(payload)) + ", we sent " + Handshake.format(reason, ours));
    }

    /** Not passed on: whoever waits on {@link #ready} reports it, once, with the rest of the attempt. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new HandshakeFailedException(FailureReason.CLOSED, "before answering the hello"));
        ctx.fireChannelInactive();
    }

    private void fail(Throwable cause) {
        if (ready.tryFailure(duringTls(cause))) {
            ctx.close();
        }
    }

    /**
     * A connection that resets or closes while TLS is still being negotiated most likely reached
     * a peer without TLS, which refused the handshake's first bytes: said so, whichever of the
     * reset and the handshake's own failure is noticed first.
     */
    private Throwable duringTls(Throwable cause) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls == null || tls.handshakeFuture().isSuccess() || cause instanceof SSLException || cause instanceof HandshakeFailedException
                || !(cause instanceof IOException)) {
            return cause;
        }
        return new HandshakeFailedException(FailureReason.TLS_FAILED, "connection closed during the TLS handshake (is TLS off at the peer?)");
    }
}
