package dev.repl.admin;

import dev.repl.api.ConnectionOptions;
import dev.repl.api.NodeAddress;
import dev.repl.config.Addresses;
import dev.repl.transport.HttpEndpoint;
import dev.repl.transport.Listener;
import dev.repl.transport.Transport;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's HTTP admin endpoint: status, metrics and health. It has its own event-loop thread,
 * so a slow scrape never delays a heartbeat, and the peer port's limits: a connection that
 * brings no whole request within the idle timeout is closed, and beyond the connection cap new
 * ones are closed on arrival. Start and close are idempotent.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final int MAX_REQUEST_BYTES = 8 * 1024;

    private final String nodeName;
    private final NodeAddress address;
    private final SslContext tls;
    private final ConnectionOptions limits;
    private final Supplier<NodeStatus> status;
    private Listener listener;
    private boolean closed;

    /**
     * @param tls    serve HTTPS with this server context (which may demand client certificates), or null for HTTP
     * @param limits the idle timeout and connection cap, as on the node's peer port
     */
    public AdminServer(String nodeName, NodeAddress address, SslContext tls, ConnectionOptions limits, Supplier<NodeStatus> status) {
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
        this.address = Objects.requireNonNull(address, "address");
        this.tls = tls;
        this.limits = Objects.requireNonNull(limits, "limits");
        this.status = Objects.requireNonNull(status, "status");
    }

    public AdminServer(String nodeName, NodeAddress address, Supplier<NodeStatus> status) {
        this(nodeName, address, null, ConnectionOptions.defaults(), status);
    }

    /** @return the bound address, with the real port when 0 was asked for */
    public synchronized InetSocketAddress start() {
        if (closed) {
            throw new IllegalStateException(nodeName + " admin endpoint is closed");
        }
        if (listener == null) {
            NodeMetrics metrics = new NodeMetrics(status);
            byte[] page = StatusPage.load();
            listener = HttpEndpoint.bind(nodeName, "admin", "serve admin", address, limits.maxConnections(), limits.idleTimeout(), tls,
                    MAX_REQUEST_BYTES, null, "adminHandler", () -> new AdminHandler(status, metrics, page));
            log.info("{}: admin endpoint on {}://{}/status ({})", nodeName, tls == null ? "http" : "https",
                    Addresses.format(listener.localAddress()), Transport.get().name());
        }
        return listener.localAddress();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (listener != null) {
            listener.close();
            listener = null;
        }
    }
}
