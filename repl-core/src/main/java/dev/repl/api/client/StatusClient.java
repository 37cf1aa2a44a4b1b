package dev.repl.api.client;

import dev.repl.api.NodeAddress;
import dev.repl.api.TlsConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** Reads a node's status from its admin endpoint ({@code repl status} uses it). */
public final class StatusClient {

    private final HttpClient http;
    private final boolean tls;
    private final Duration timeout;

    /** @param tlsConfig mutual TLS, or null for plain HTTP */
    public StatusClient(TlsConfig tlsConfig, Duration timeout) {
        this.http = HttpClients.of(tlsConfig, timeout, "status");
        this.tls = tlsConfig != null;
        this.timeout = timeout;
    }

    /**
     * GET /status from {@code admin}: the JSON a node serves, or with {@code json} false the table
     * {@code repl status} prints.
     *
     * @throws Unreachable with one line naming the URI and why
     */
    public String fetch(NodeAddress admin, boolean json) throws Unreachable, InterruptedException {
        URI uri = URI.create((tls ? "https://" : "http://") + admin + "/status" + (json ? "" : "?format=text"));
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw error(uri, "HTTP " + response.statusCode());
            }
            return response.body();
        } catch (HttpTimeoutException e) {
            throw error(uri, "timed out after " + timeout.toMillis() + " ms");
        } catch (ConnectException e) {
            // The JDK's client gives no message here; a refused connection is by far the likeliest.
            throw error(uri, "cannot connect (is the node running with --admin-port " + admin.port() + "?)");
        } catch (IOException e) {
            if (!tls && String.valueOf(e.getMessage()).contains("received no bytes")) {
                // What an HTTPS endpoint does with a plain HTTP request: close without a word.
                throw error(uri, "closed without an answer (does the node use TLS? then pass --tls-cert, --tls-key and --tls-ca)");
            }
            throw error(uri, FailureReason.explain(e));
        }
    }

    private static Unreachable error(URI uri, String why) {
        return new Unreachable("cannot read " + uri + ": " + why, false);
    }
}
