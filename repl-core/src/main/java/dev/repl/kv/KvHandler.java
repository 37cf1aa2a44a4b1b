package dev.repl.kv;

import io.netty.buffer.ByteBufUtil;
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
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The key-value API's routes: {@code PUT /kv/{key}} (a compare-and-set with {@code ?prev=}),
 * {@code GET /kv/{key}} (with {@code ?stale=true} on a follower) and {@code DELETE /kv/{key}}.
 * One request at a time per connection: the connection is not read while a request is being
 * answered, so a client cannot queue work faster than it is done (backpressure); requests that
 * arrived together (pipelined) wait their turn, so answers go out in order. Keep-alive is
 * honoured. One per channel.
 */
final class KvHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final String PREFIX = "/kv/";

    private final KvService service;
    /** Requests that came in the same read as one being answered (pipelined): answered after it, in order. */
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean answering;

    KvHandler(KvService service) {
        this.service = service;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        ctx.channel().config().setAutoRead(false);
        if (answering) {
            waiting.add(request.retain());
            return;
        }
        handle(ctx, request);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        answering = true;
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        CompletableFuture<KvService.Response> answer;
        try {
            answer = route(ctx, request);
        } catch (IllegalArgumentException e) {
            answer = CompletableFuture.completedFuture(KvService.Response.json(400, Map.of("error", e.getMessage())));
        }
        answer.whenComplete((response, failure) -> ctx.executor().execute(() -> respond(ctx,
                failure == null ? response : KvService.Response.json(500, Map.of("error", String.valueOf(failure))), keepAlive)));
    }

    /** The last answer is written: the next pipelined request, or read more. */
    private void next(ChannelHandlerContext ctx) {
        answering = false;
        FullHttpRequest request = waiting.poll();
        if (request == null) {
            ctx.channel().config().setAutoRead(true);
            return;
        }
        try {
            handle(ctx, request);
        } finally {
            request.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        waiting.forEach(FullHttpRequest::release);
        waiting.clear();
        ctx.fireChannelInactive();
    }

    private CompletableFuture<KvService.Response> route(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            throw new IllegalArgumentException("bad request");
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        if (!uri.path().startsWith(PREFIX) || uri.path().length() == PREFIX.length()) {
            return CompletableFuture.completedFuture(KvService.Response.json(404, Map.of("error", "not found; the API is /kv/{key}")));
        }
        String key = QueryStringDecoder.decodeComponent(uri.path().substring(PREFIX.length()));
        Map<String, List<String>> params = uri.parameters();
        HttpMethod method = request.method();
        if (HttpMethod.GET.equals(method)) {
            return service.read(key, "true".equals(first(params, "stale")), ctx.executor());
        }
        if (HttpMethod.PUT.equals(method)) {
            byte[] value = ByteBufUtil.getBytes(request.content());
            String prev = first(params, "prev");
            KvCommand command = prev == null ? KvCommand.put(key, value) : KvCommand.cas(key, prev.getBytes(StandardCharsets.UTF_8), value);
            return service.write(command, ctx.executor());
        }
        if (HttpMethod.DELETE.equals(method)) {
            return service.write(KvCommand.delete(key), ctx.executor());
        }
        return CompletableFuture.completedFuture(KvService.Response.json(405, Map.of("error", "only GET, PUT and DELETE are served")));
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private void respond(ChannelHandlerContext ctx, KvService.Response answer, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(answer.status()),
                Unpooled.wrappedBuffer(answer.body()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, answer.json() ? "application/json; charset=utf-8" : "application/octet-stream")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    next(ctx);
                }
            });
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.fireExceptionCaught(cause);
    }
}
