package dev.repl.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /} (a live status page, {@link StatusPage}), {@code GET /status} (JSON, or a
 * text table with {@code ?format=text}), {@code GET /metrics} (Prometheus text format), {@code GET /health} (200 while the node does its job, 503 saying why
 * not) and {@code GET /livez} (200 while it serves at all). One request per connection: the
 * connection is not read again once a request has come, and is closed after the answer, so a
 * client that pipelines requests and never reads cannot make answers pile up. One per channel.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final String JSON = "application/json; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";

    private final Supplier<NodeStatus> status;
    private final NodeMetrics metrics;
    private final byte[] page;
    private boolean answered;

    AdminHandler(Supplier<NodeStatus> status, NodeMetrics metrics, byte[] page) {
        this.status = status;
        this.metrics = metrics;
        this.page = page;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (answered) {
            return; // pipelined behind the one this connection is for
        }
        answered = true;
        ctx.channel().config().setAutoRead(false);
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, HttpResponseStatus.BAD_REQUEST, TEXT, "bad request\n");
            return;
        }
        if (!HttpMethod.GET.equals(request.method())) {
            respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, "only GET is served\n");
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        switch (uri.path()) {
            case "/", "/index.html" -> {
                FullHttpResponse response = response(HttpResponseStatus.OK, StatusPage.CONTENT_TYPE, page);
                response.headers().set(HttpHeaderNames.CONTENT_SECURITY_POLICY, StatusPage.SECURITY_POLICY);
                send(ctx, response);
            }
            case "/livez" -> respond(ctx, HttpResponseStatus.OK, TEXT, "ok\n");
            case "/health" -> {
                String problem = status.get().problem();
                if (problem == null) {
                    respond(ctx, HttpResponseStatus.OK, TEXT, "ok\n");
                } else {
                    respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, TEXT, "not healthy: " + problem + "\n");
                }
            }
            case "/status" -> {
                List<String> format = uri.parameters().get("format");
                boolean text = format != null && format.contains("text");
                NodeStatus now = status.get();
                respond(ctx, HttpResponseStatus.OK, text ? TEXT : JSON, text ? StatusTable.render(now) : StatusJson.render(now));
            }
            case "/metrics" -> respond(ctx, HttpResponseStatus.OK, metrics.contentType(), metrics.scrape());
            default -> respond(ctx, HttpResponseStatus.NOT_FOUND, TEXT, "not found; try /, /status, /metrics, /health or /livez\n");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection from {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus code, String type, String body) {
        respond(ctx, code, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus code, String type, byte[] body) {
        send(ctx, response(code, type, body));
    }

    private static FullHttpResponse response(HttpResponseStatus code, String type, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, code, Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, type)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse response) {
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
