package dev.repl.transport;

import dev.repl.api.NodeAddress;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A node's HTTP/1.1 port (the admin endpoint, the key-value API), with the limits of every port
 * open to anyone: a connection cap, TLS when configured, requests of at most a set size taken
 * whole, and an idle timeout that only a whole request resets.
 * <pre>
 *   [tls] -> httpCodec -> httpAggregator -> idleTimeout -> (handler) -> connectionErrors
 * </pre>
 */
public final class HttpEndpoint {

    private HttpEndpoint() {
    }

    /**
     * Answers a request that is too large with a body that says so, and closes this side: the
     * rest of the request is read and dropped until the client closes, for {@link #DRAIN} at
     * most, because closing a socket with unread bytes resets it, and a reset can destroy the
     * answer before the client has read it.
     */
    private static final class Aggregator extends HttpObjectAggregator {
        private static final Duration DRAIN = Duration.ofSeconds(2);
        private final byte[] tooLarge;

        Aggregator(int maxContentLength, byte[] tooLarge) {
            super(maxContentLength);
            this.tooLarge = tooLarge;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    Unpooled.wrappedBuffer(tooLarge));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, tooLarge.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(written -> {
                if (written.isSuccess() && ctx.channel() instanceof DuplexChannel duplex) {
                    duplex.shutdownOutput();
                    ctx.executor().schedule(() -> {
                        ctx.close();
                    }, DRAIN.toMillis(), TimeUnit.MILLISECONDS);
                } else {
                    ctx.close();
                }
            });
        }
    }

    /**
     * @param role    {@code admin} or {@code client}: in the thread's name and in log lines
     * @param purpose what a failed bind could not do: {@code serve admin}, {@code serve clients}
     * @param handler a new handler for each connection, named {@code handlerName}
     * @param tooLarge the JSON body of the 413 that answers a request over {@code maxRequestBytes}, or null for an empty one
     */
    public static Listener bind(String nodeName, String role, String purpose, NodeAddress address, int maxConnections, Duration idleTimeout, SslContext tls,
                                int maxRequestBytes, byte[] tooLarge, String handlerName, Supplier<ChannelHandler> handler) {
        ConnectionLimiter limiter = new ConnectionLimiter(nodeName + " " + role, maxConnections);
        ConnectionErrorHandler errors = new ConnectionErrorHandler(nodeName + " " + role, "request");
        long idleNanos = idleTimeout.toNanos();
        return Listener.bind(nodeName, purpose, address, nodeName + "-" + role, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (!limiter.admit(ch)) {
                    return;
                }
                if (tls != null) {
                    ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                }
                ch.pipeline()
                        .addLast("httpCodec", new HttpServerCodec())
                        .addLast("httpAggregator", tooLarge == null ? new HttpObjectAggregator(maxRequestBytes) : new Aggregator(maxRequestBytes, tooLarge))
                        // Behind the aggregator: only a whole request counts, not a body trickled a byte at a time.
                        .addLast("idleTimeout", new IdleStateHandler(idleNanos, 0, 0, TimeUnit.NANOSECONDS))
                        .addLast(handlerName, handler.get())
                        .addLast("connectionErrors", errors);
            }
        });
    }
}
