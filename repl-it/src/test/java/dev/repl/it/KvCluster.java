package dev.repl.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A leader and followers with data directories, a key-value API and an admin endpoint each, every
 * one a real process on free ports. Node 0 is the leader; nodes can be killed and started again
 * on the same ports and directories.
 */
final class KvCluster {

    static final Duration START = Duration.ofSeconds(60);

    final ReplLauncher repl;
    final int size;
    final int[] peerPorts;
    final int[] clientPorts;
    final int[] adminPorts;
    final ReplProcess[] nodes;
    private final List<String> leaderArgs = new ArrayList<>();
    private final List<String> followerArgs = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    KvCluster(ReplLauncher repl, int followers) {
        this.repl = repl;
        this.size = followers + 1;
        this.peerPorts = new int[size];
        this.clientPorts = new int[size];
        this.adminPorts = new int[size];
        this.nodes = new ReplProcess[size];
        for (int i = 0; i < size; i++) {
            peerPorts[i] = ReplLauncher.freePort();
            clientPorts[i] = ReplLauncher.freePort();
            adminPorts[i] = ReplLauncher.freePort();
        }
    }

    KvCluster leaderArgs(String... args) {
        leaderArgs.addAll(List.of(args));
        return this;
    }

    KvCluster followerArgs(String... args) {
        followerArgs.addAll(List.of(args));
        return this;
    }

    static String name(int node) {
        return node == 0 ? "leader" : "follower-" + node;
    }

    Path dataDir(int node) {
        return repl.dir().resolve("data-" + name(node));
    }

    /** Starts every follower, then the leader, and waits until the leader's log has committed its term's no-op. */
    KvCluster start() {
        for (int i = 1; i < size; i++) {
            start(i);
        }
        start(0);
        awaitCommitted(1);
        return this;
    }

    /** Starts one node, on its ports and data directory. */
    ReplProcess start(int node) {
        List<String> args = new ArrayList<>(List.of("node", "--role", node == 0 ? "leader" : "follower", "--name", name(node),
                "--port", Integer.toString(peerPorts[node]), "--data-dir", dataDir(node).toString(),
                "--client-port", Integer.toString(clientPorts[node]), "--admin-port", Integer.toString(adminPorts[node])));
        if (node == 0) {
            StringBuilder list = new StringBuilder();
            for (int i = 1; i < size; i++) {
                list.append(i == 1 ? "" : ",").append("127.0.0.1:").append(peerPorts[i]);
            }
            args.addAll(List.of("--followers", list.toString()));
            args.addAll(leaderArgs);
        } else {
            args.addAll(followerArgs);
        }
        nodes[node] = repl.start(args.toArray(String[]::new)).awaitLog("admin endpoint on", START);
        return nodes[node];
    }

    String endpoint(int node) {
        return "127.0.0.1:" + clientPorts[node];
    }

    /** A node's {@code /status}, parsed. */
    JsonNode status(int node) {
        return Json.parse(Cluster.get("127.0.0.1:" + adminPorts[node], "/status"));
    }

    void awaitCommitted(long index) {
        org.awaitility.Awaitility.await("the leader to commit index " + index).atMost(START)
                .until(() -> status(0).path("log").path("commitIndex").asLong() >= index);
    }

    /** Every node has applied the same index, with the same digest, and the leader has nothing left to commit. */
    void awaitConverged() {
        org.awaitility.Awaitility.await("every node to apply the same log").atMost(START).pollInterval(Duration.ofMillis(250)).until(() -> {
            JsonNode leader = status(0).path("log");
            if (leader.path("appliedIndex").asLong() != leader.path("lastIndex").asLong()) {
                return false;
            }
            for (int i = 1; i < size; i++) {
                JsonNode log = status(i).path("log");
                if (log.path("appliedIndex").asLong() != leader.path("appliedIndex").asLong()
                        || !log.path("digest").asText().equals(leader.path("digest").asText())) {
                    return false;
                }
            }
            return true;
        });
    }

    /** An HTTP answer from a node's key-value API. */
    record Answer(int status, String body) {
        JsonNode json() {
            return Json.parse(body);
        }
    }

    Answer put(int node, String key, String value) throws IOException, InterruptedException {
        return send(node, "PUT", key, "", HttpRequest.BodyPublishers.ofString(value));
    }

    Answer get(int node, String key, boolean stale) throws IOException, InterruptedException {
        return send(node, "GET", key, stale ? "?stale=true" : "", HttpRequest.BodyPublishers.noBody());
    }

    private Answer send(int node, String method, String key, String query, HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        return send(http, endpoint(node), method, key, query, body);
    }

    /** One request to the key-value API at {@code endpoint} ({@code host:port}). */
    static Answer send(HttpClient http, String endpoint, String method, String key, String query, HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint + "/kv/" + key + query))
                .timeout(Duration.ofSeconds(15)).method(method, body).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Answer(response.statusCode(), response.body());
    }
}
