package dev.repl.kv;

import dev.repl.admin.Json;
import dev.repl.api.ConnectionOptions;
import dev.repl.api.NodeAddress;
import dev.repl.config.Addresses;
import dev.repl.transport.HttpEndpoint;
import dev.repl.transport.Listener;
import dev.repl.transport.Transport;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's client endpoint ({@code --client-port}): the key-value API over HTTP/1.1, on an
 * event-loop thread of its own, with the peer port's limits (idle timeout, connection cap).
 * Start and close are idempotent.
 */
public final class KvServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KvServer.class);
    private final String nodeName;
    private final NodeAddress address;
    private final SslContext tls;
    private final ConnectionOptions limits;
    private final KvService service;
    private final int maxValueBytes;
    private Listener listener;
    private boolean closed;

    /** @param maxValueBytes a larger body is answered 413 ({@link dev.repl.api.LogOptions#maxValueBytes}) */
    public KvServer(String nodeName, NodeAddress address, SslContext tls, ConnectionOptions limits, KvService service, int maxValueBytes) {
        this.nodeName = nodeName;
        this.address = address;
        this.tls = tls;
        this.limits = limits;
        this.service = service;
        this.maxValueBytes = maxValueBytes;
    }

    public synchronized InetSocketAddress start() {
        if (closed) {
            throw new IllegalStateException(nodeName + " client endpoint is closed");
        }
        if (listener == null) {
            listener = HttpEndpoint.bind(nodeName, "client", "serve clients", address, limits.maxConnections(), limits.idleTimeout(), tls,
                    maxValueBytes, Json.line(Map.of("error", "the value is larger than this cluster takes: at most " + maxValueBytes
                            + " bytes (--max-frame-bytes less 8 KiB, and 1 MiB); nothing was written")).getBytes(StandardCharsets.UTF_8),
                    "kvHandler", () -> new KvHandler(service));
            log.info("{}: key-value API on {}://{}/kv/ ({})", nodeName, tls == null ? "http" : "https", Addresses.format(listener.localAddress()),
                    Transport.get().name());
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
