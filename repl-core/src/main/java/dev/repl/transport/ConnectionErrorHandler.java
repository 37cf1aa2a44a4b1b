package dev.repl.transport;

import dev.repl.api.client.FailureReason;
import dev.repl.config.Addresses;
import dev.repl.failure.TlsFailures;
import dev.repl.protocol.ProtocolException;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tail of every pipeline: whatever went wrong on a connection — an error, or an accepted
 * connection gone idle — ends with one log line and that connection closed. Other connections
 * are untouched.
 */
@Sharable
public final class ConnectionErrorHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionErrorHandler.class);

    private final String nodeName;
    private final String unit;

    public ConnectionErrorHandler(String nodeName) {
        this(nodeName, "frame");
    }

    /** @param unit what a connection must deliver to stay open, as the idle-timeout line names it: a frame, a request */
    public ConnectionErrorHandler(String nodeName, String unit) {
        this.nodeName = nodeName;
        this.unit = unit;
    }

    /** The node whose connections these are, as its log lines name it. */
    public String nodeName() {
        return nodeName;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String peer = Addresses.format(ctx.channel().remoteAddress());
        SSLException tls = TlsFailures.find(cause);
        if (tls != null) {
            log.warn("{}: TLS handshake with {} failed: {}; closing that connection", nodeName, peer, TlsFailures.describe(tls));
        } else if (cause instanceof ProtocolException) {
            log.warn("{}: protocol error from {}: {}; closing that connection", nodeName, peer, cause.getMessage());
        } else if (cause instanceof IOException) {
            // Peers die and reset; the owner of the connection reports the loss if it matters.
            log.debug("{}: connection with {} failed: {}", nodeName, peer, FailureReason.describe(cause));
        } else {
            log.warn("{}: closing connection with {} after an unexpected error: {}", nodeName, peer, FailureReason.describe(cause));
            log.debug("{}: details", nodeName, cause);
        }
        ctx.close();
    }

    /** The idle timeout of an accepted connection ran out: nothing whole arrived on it for that long. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            // Not read while its peer takes none of its answers (backpressure), a connection gets no frame either.
            String why = ctx.channel().config().isAutoRead() ? "no complete " + unit + " within the idle timeout"
                    : "its peer took none of the answers it was sent within the idle timeout";
            log.info("{}: closing connection from {}: {}", nodeName, Addresses.format(ctx.channel().remoteAddress()), why);
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }
}
