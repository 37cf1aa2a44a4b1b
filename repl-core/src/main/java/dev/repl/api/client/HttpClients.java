package dev.repl.api.client;

import dev.repl.api.NodeStartException;
import dev.repl.api.TlsConfig;
import dev.repl.transport.TlsContexts;
import java.net.http.HttpClient;
import java.time.Duration;

/** The JDK's HTTP client as the CLI talks to a node's HTTP endpoints: over mutual TLS when given its files. */
final class HttpClients {

    private HttpClients() {
    }

    /** @param who names the command in the one line a bad TLS file gets */
    static HttpClient of(TlsConfig tlsConfig, Duration connectTimeout, String who) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(connectTimeout);
        if (tlsConfig != null) {
            // As on peer links, a node is trusted for its CA-signed certificate, not for its host name.
            System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
            try {
                builder.sslContext(TlsContexts.jdkClientContext(tlsConfig));
            } catch (IllegalArgumentException e) {
                throw new NodeStartException(who + ": " + e.getMessage(), e);
            }
        }
        return builder.build();
    }
}
