package dev.repl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.admin.Json;
import dev.repl.config.NodeAddress;
import dev.repl.config.TlsConfig;
import dev.repl.failure.FailureReason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The CLI's client of a node's key-value API. A follower answers a write, or a read that is not
 * stale, with {@code 503} and its leader's address: the client follows that hint once.
 */
final class KvClient {

    /** An answer: its status and body, and the endpoint that gave it. */
    record Answer(int status, byte[] body, NodeAddress from) {

        JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                return Json.mapper().createObjectNode();
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * No answer came; the message says why, in one line. {@code sent}: the request may have
     * reached the node (a write's outcome is then unknown); otherwise it was never sent.
     */
    static final class Unreachable extends Exception {
        final boolean sent;

        Unreachable(String message, boolean sent) {
            super(message);
            this.sent = sent;
        }
    }

    private final HttpClient http;
    private final boolean tls;
    private final Duration timeout;

    KvClient(TlsConfig tlsConfig, Duration timeout) {
        this.http = HttpClients.of(tlsConfig, timeout, "client");
        this.tls = tlsConfig != null;
        this.timeout = timeout;
    }

    /** Sends {@code method} for {@code key} to {@code endpoint}, following a leader hint once. */
    Answer send(NodeAddress endpoint, String method, String key, String query, byte[] body) throws Unreachable, InterruptedException {
        Answer answer = once(endpoint, method, key, query, body);
        if (answer.status() == 503 && answer.json().path("leader").isTextual()) {
            NodeAddress leader;
            try {
                leader = NodeAddress.parse(answer.json().path("leader").asText());
            } catch (IllegalArgumentException e) {
                return answer;
            }
            if (!leader.equals(endpoint)) {
                return once(leader, method, key, query, body);
            }
        }
        return answer;
    }

    private Answer once(NodeAddress endpoint, String method, String key, String query, byte[] body) throws Unreachable, InterruptedException {
        URI uri = URI.create((tls ? "https://" : "http://") + endpoint + "/kv/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20")
                + (query == null ? "" : "?" + query));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(response.statusCode(), response.body(), endpoint);
        } catch (HttpTimeoutException e) {
            throw new Unreachable(endpoint + " did not answer within " + timeout.toMillis() + " ms", true);
        } catch (ConnectException e) {
            throw new Unreachable("cannot connect to " + endpoint + " (is a node serving --client-port " + endpoint.port() + " there?)", false);
        } catch (IOException e) {
            throw new Unreachable(endpoint + ": " + FailureReason.explain(e), true);
        }
    }

    static String query(String name, String value) {
        return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
