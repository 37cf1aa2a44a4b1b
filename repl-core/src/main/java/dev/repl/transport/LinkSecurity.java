package dev.repl.transport;

import dev.repl.handshake.ClusterId;
import io.netty.handler.ssl.SslContext;
import java.util.Objects;

/**
 * What a node requires of a peer link before any heartbeat: the cluster it must belong to, and
 * mutual TLS when {@code tls} is not null.
 */
public record LinkSecurity(ClusterId clusterId, TlsContexts tls) {

    /** The default cluster, in plaintext. */
    public static final LinkSecurity PLAINTEXT = new LinkSecurity(ClusterId.DEFAULT, null);

    public LinkSecurity {
        Objects.requireNonNull(clusterId, "clusterId");
    }

    /** The context for connections this node accepts, or null in plaintext. */
    public SslContext serverContext() {
        return tls == null ? null : tls.server();
    }

    /** The context for connections this node opens, or null in plaintext. */
    public SslContext clientContext() {
        return tls == null ? null : tls.client();
    }
}
