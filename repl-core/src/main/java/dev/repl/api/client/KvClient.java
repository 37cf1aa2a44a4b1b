package dev.repl.api.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.admin.Json;
import dev.repl.api.NodeAddress;
import dev.repl.api.TlsConfig;
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
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A client of the bundled key-value store's HTTP API ({@code repl put/get/cas/del} use it), which finds the leader among its endpoints. A
 * follower answers a write, or a read that is not stale, with {@code 503} and its leader's
 * address, and the client follows the hint. A 503 or a refused connection means the request was
 * not taken, so it is safe to try elsewhere; with several endpoints the client goes round them,
 * backing off between rounds, until its deadline. A write that was sent and got no answer is
 * never sent again: its outcome is unknown, and a second copy could apply twice.
 */
public final class KvClient {

    /**
     * What a node answered: its HTTP status and body, and the endpoint that gave it. 200: done
     * (a read's body is the value); 404: not set; 409: a compare-and-set found {@link #current};
     * 503: refused, nothing written ({@link #notLeader} and its {@link #leader} hint, or
     * {@link #error}); 504: a write's outcome is unknown; 400, 405, 413 (too large) and 500: the
     * request itself was refused, with an {@link #error}.
     */
    public record Answer(int status, byte[] body, NodeAddress from) {

        /** Equal when the status, the body's bytes and the node are (a record compares arrays by identity). */
        @Override
        public boolean equals(Object o) {
            return o instanceof Answer a && a.status == status && Arrays.equals(a.body, body) && Objects.equals(a.from, from);
        }

        @Override
        public int hashCode() {
            return Objects.hash(status, Arrays.hashCode(body), from);
        }

        @Override
        public String toString() {
            return status + " from " + from + ": " + text();
        }

        private JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                return Json.mapper().createObjectNode();
            }
        }

        /** The body as text: a read's value, or the JSON a node answers with. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The node's one-line reason, or null. */
        public String error() {
            JsonNode error = json().path("error");
            return error.isTextual() ? error.asText() : null;
        }

        /** Where a write is (or was put) in the log, or -1. */
        public long index() {
            return json().path("index").asLong(-1);
        }

        /** The leader's client address that a refusing follower named, or null. */
        public String leader() {
            JsonNode leader = json().path("leader");
            return leader.isTextual() ? leader.asText() : null;
        }

        /** A refused compare-and-set: the value found, or null when the key was not set. */
        public String current() {
            JsonNode current = json().path("current");
            return current.isTextual() ? current.asText() : null;
        }

        /** A 503 from a node that does not lead. */
        public boolean notLeader() {
            return status == 503 && "not the leader".equals(error());
        }
    }

    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 1_000;
    /** Less time than this left, a refusal in hand is the answer: a request sent now could only end unknown. */
    private static final long LAST_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final Duration CONNECT_BOUND = Duration.ofSeconds(1);

    private final HttpClient http;
    private final boolean tls;
    private final Duration timeout;
    private final List<NodeAddress> endpoints;

    /**
     * @param tlsConfig mutual TLS, or null for plain HTTP
     * @param timeout   how long a request may take in all, retries and hops to the leader included
     * @param endpoints any nodes of the cluster; the leader is found through them
     */
    public KvClient(TlsConfig tlsConfig, Duration timeout, List<NodeAddress> endpoints) {
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

    /** Sets {@code key} to {@code value}; answered once committed. */
    public Answer put(String key, byte[] value) throws Unreachable, InterruptedException {
        return send("PUT", key, null, value);
    }

    /**
     * Sets {@code key} to {@code value} if its value is {@code expected} now (the HTTP API cannot
     * ask for "not set"); answered once committed and applied: 200 when set, 409 with the
     * {@link Answer#current} value when not.
     */
    public Answer compareAndSet(String key, String expected, byte[] value) throws Unreachable, InterruptedException {
        Objects.requireNonNull(expected, "expected");
        return send("PUT", key, "prev=" + URLEncoder.encode(expected, StandardCharsets.UTF_8), value);
    }

    /** Removes {@code key}; answered once committed. */
    public Answer delete(String key) throws Unreachable, InterruptedException {
        return send("DELETE", key, null, null);
    }

    /** Reads {@code key}: from the leader, linearizable; with {@code stale}, from whichever endpoint answers first. */
    public Answer get(String key, boolean stale) throws Unreachable, InterruptedException {
        return send("GET", key, stale ? "stale=true" : null, null);
    }

    /**
     * Sends {@code method} for {@code key} to the leader, as found through the endpoints: the
     * answer of the first node that takes the request (or, when none did, the last refusal).
     */
    private Answer send(String method, String key, String query, byte[] body) throws Unreachable, InterruptedException {
        boolean retrySent = "GET".equals(method); // a read that got no answer changed nothing: ask again
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoffMs = FIRST_BACKOFF_MS;
        Answer refused = null;
        Unreachable unreachable = null;
        int next = 0;
        NodeAddress target = endpoints.get(0);
        int hops = 0;
        while (true) {
            long left = deadline - System.nanoTime();
            // Out of time, or with a refusal in hand too little of it for one more request to be answered:
            // nothing more is sent, so a write refused so far stays refused rather than unknown.
            if (left <= 0 || refused != null && left < LAST_ATTEMPT_NANOS) {
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
                if (e.sent() && !retrySent) {
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

}
