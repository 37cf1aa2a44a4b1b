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
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The CLI's client of a node's key-value API, which finds the leader among its endpoints. A
 * follower answers a write, or a read that is not stale, with {@code 503} and its leader's
 * address, and the client follows the hint. A 503 or a refused connection means the request was
 * not taken, so it is safe to try elsewhere; with several endpoints the client goes round them,
 * backing off between rounds, until its deadline. A write that was sent and got no answer is
 * never sent again: its outcome is unknown, and a second copy could apply twice.
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

    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 1_000;
    private static final Duration CONNECT_BOUND = Duration.ofSeconds(1);

    private final HttpClient http;
    private final boolean tls;
    private final Duration timeout;
    private final List<NodeAddress> endpoints;

    KvClient(TlsConfig tlsConfig, Duration timeout, List<NodeAddress> endpoints) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoint");
        }
        // With several endpoints, one that drops connections silently must not use up the whole deadline.
        this.http = HttpClients.of(tlsConfig, endpoints.size() > 1 && timeout.compareTo(CONNECT_BOUND) > 0 ? CONNECT_BOUND : timeout,
                "client");
        this.tls = tlsConfig != null;
        this.timeout = timeout;
        this.endpoints = List.copyOf(endpoints);
    }

    /**
     * Sends {@code method} for {@code key} to the leader, as found through the endpoints: the
     * answer of the first node that takes the request (or, when none did, the last refusal).
     */
    Answer send(String method, String key, String query, byte[] body) throws Unreachable, InterruptedException {
        boolean retrySent = "GET".equals(method); // a read that got no answer changed nothing: ask again
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoffMs = FIRST_BACKOFF_MS;
        Answer refused = null;
        Unreachable unreachable = null;
        int next = 0;
        NodeAddress target = endpoints.get(0);
        int hops = 0;
        while (true) {
            if (deadline - System.nanoTime() <= 0) {
                // Out of time: nothing more is sent, so a write refused so far stays refused rather than unknown.
                if (refused != null) {
                    return refused;
                }
                throw unreachable != null ? unreachable : new Unreachable("no answer within " + timeout.toMillis() + " ms", false);
            }
            try {
                Answer answer = once(target, method, key, query, body, remaining(deadline));
                if (answer.status() != 503) {
                    return answer;
                }
                refused = answer;
                NodeAddress hint = hint(answer);
                // Follow a hint to a node not just asked; bounded, so two nodes pointing at each other cannot loop.
                if (hint != null && !hint.equals(target) && hops++ < endpoints.size()) {
                    target = hint;
                    continue;
                }
            } catch (Unreachable e) {
                if (e.sent && !retrySent) {
                    throw e;
                }
                unreachable = e;
            }
            next++;
            if (next % endpoints.size() == 0) {
                // A round found no leader. One endpoint: that is the answer; several: an election may be on, so wait and go again.
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (endpoints.size() == 1 || leftMs <= backoffMs) {
                    if (refused != null) {
                        return refused;
                    }
                    throw endpoints.size() == 1 ? unreachable : new Unreachable("no node of " + endpoints.stream().map(NodeAddress::toString).collect(Collectors.joining(", "))
                            + " took the request within " + timeout.toMillis() + " ms; last: " + unreachable.getMessage(), false);
                }
                Thread.sleep(backoffMs);
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                hops = 0;
            }
            target = endpoints.get(next % endpoints.size());
        }
    }

    private static NodeAddress hint(Answer answer) {
        JsonNode leader = answer.json().path("leader");
        if (!leader.isTextual()) {
            return null;
        }
        try {
            return NodeAddress.parse(leader.asText());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime()));
    }

    private Answer once(NodeAddress endpoint, String method, String key, String query, byte[] body, Duration timeout)
            throws Unreachable, InterruptedException {
        URI uri = URI.create((tls ? "https://" : "http://") + endpoint + "/kv/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20")
                + (query == null ? "" : "?" + query));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(response.statusCode(), response.body(), endpoint);
        } catch (HttpConnectTimeoutException e) {
            throw new Unreachable("cannot connect to " + endpoint + " within " + timeout.toMillis() + " ms", false);
        } catch (HttpTimeoutException e) {
            throw new Unreachable(endpoint + " did not answer within " + this.timeout.toMillis() + " ms", true);
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
