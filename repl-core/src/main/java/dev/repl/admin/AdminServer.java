package dev.repl.admin;

import dev.repl.config.NodeAddress;
import dev.repl.transport.Addresses;
import dev.repl.transport.Listener;
import dev.repl.transport.Transport;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's HTTP admin endpoint: status, metrics and health. It has its own event-loop thread,
 * so a slow scrape never delays a heartbeat. Start and close are idempotent.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final int MAX_REQUEST_BYTES = 8 * 1024;

    private final String nodeName;
    private final NodeAddress address;
    private final SslContext tls;
    private final Supplier<NodeStatus> status;
    private Listener listener;
    private boolean closed;

    /** @param tls serve HTTPS with this server context (which may demand client certificates), or null for HTTP */
    public AdminServer(String nodeName, NodeAddress address, SslContext tls, Supplier<NodeStatus> status) {
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
        this.address = Objects.requireNonNull(address, "address");
        this.tls = tls;
        this.status = Objects.requireNonNull(status, "status");
    }

    public AdminServer(String nodeName, NodeAddress address, Supplier<NodeStatus> status) {
        this(nodeName, address, null, status);
    }

    /** @return the bound address, with the real port when 0 was asked for */
    public synchronized InetSocketAddress start() {
        if (closed) {
            throw new IllegalStateException(nodeName + " admin endpoint is closed");
        }
        if (listener == null) {
            AdminHandler handler = new AdminHandler(status, new NodeMetrics(status));
            listener = Listener.bind(nodeName, "serve admin", address, nodeName + "-admin", new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    if (tls != null) {
                        ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                            .addLast("httpCodec", new HttpServerCodec())
                            .addLast("httpAggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                            .addLast("adminHandler", handler);
                }
            });
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
