package dev.repl.it;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.function.IntFunction;

/**
 * Members of a cluster that elects its leader ({@code repl node --id --peers}), each a real
 * process with a data directory, a key-value API and an admin endpoint on free ports. Members can
 * be killed, frozen and started again on the same ports and directories.
 */
final class PeerCluster {

    static final Duration START = KvCluster.START;

    final ReplLauncher repl;
    final int size;
    final int[] peerPorts;
    final int[] clientPorts;
    final int[] adminPorts;
    final ReplProcess[] nodes;
    private final List<String> extraArgs = new ArrayList<>();
    private IntFunction<Path> dataDirs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    PeerCluster(ReplLauncher repl, int size) {
        this.repl = repl;
        this.size = size;
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

    PeerCluster args(String... args) {
        extraArgs.addAll(List.of(args));
        return this;
    }

    static String id(int node) {
        return "n" + (node + 1);
    }

    String peers() {
        StringJoiner list = new StringJoiner(",");
        for (int i = 0; i < size; i++) {
            list.add(id(i) + "=127.0.0.1:" + peerPorts[i]);
        }
        return list.toString();
    }

    /** Every member's key-value address, for {@code --endpoints}. */
    String endpoints() {
        StringJoiner list = new StringJoiner(",");
        for (int i = 0; i < size; i++) {
            list.add(endpoint(i));
        }
        return list.toString();
    }

    String endpoint(int node) {
        return "127.0.0.1:" + clientPorts[node];
    }

    /** Puts each member's data directory where {@code dirs} says (a mount of its own, say) instead of in the test's directory. */
    PeerCluster dataDirs(IntFunction<Path> dirs) {
        this.dataDirs = dirs;
        return this;
    }

    Path dataDir(int node) {
        return dataDirs != null ? dataDirs.apply(node) : repl.dir().resolve("data-" + id(node));
    }

    /** Starts every member and waits until they agree on a leader. */
    PeerCluster start() {
        for (int i = 0; i < size; i++) {
            start(i);
        }
        awaitLeader();
        return this;
    }

    ReplProcess start(int node) {
        List<String> args = new ArrayList<>(List.of("node", "--id", id(node), "--peers", peers(), "--data-dir", dataDir(node).toString(),
                "--client-port", Integer.toString(clientPorts[node]), "--admin-port", Integer.toString(adminPorts[node])));
        args.addAll(extraArgs);
        nodes[node] = repl.start(args.toArray(String[]::new)).awaitLog("admin endpoint on", START);
        return nodes[node];
    }

    /** A member's {@code /status}, or null when it does not answer (killed, frozen). */
    JsonNode status(int node) {
        if (nodes[node] == null || !nodes[node].isAlive()) {
            return null;
        }
        try {
            return Json.parse(Cluster.get("127.0.0.1:" + adminPorts[node], "/status"));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Waits until one member leads and every other answering member follows it in its term; returns the leader. */
    int awaitLeader() {
        int[] found = {-1};
        await("the members to agree on a leader").atMost(START).pollInterval(Duration.ofMillis(100)).until(() -> {
            found[0] = agreedLeader(-1);
            return found[0] >= 0;
        });
        return found[0];
    }

    /** Waits until a member other than {@code not} leads, agreed by every answering member except {@code silent}. */
    int awaitNewLeader(int not, int silent) {
        int[] found = {-1};
        await("another member than " + id(not) + " to lead").atMost(START).pollInterval(Duration.ofMillis(100)).until(() -> {
            found[0] = agreedLeader(silent);
            return found[0] >= 0 && found[0] != not;
        });
        return found[0];
    }

    private int agreedLeader(int skip) {
        JsonNode[] statuses = new JsonNode[size];
        for (int i = 0; i < size; i++) {
            statuses[i] = i == skip ? null : status(i);
        }
        return Agreement.leader(statuses, PeerCluster::id);
    }

    long term(int node) {
        return status(node).path("election").path("term").asLong();
    }

    /** Every member that answers has applied the same index with the same digest, and has nothing left to apply. */
    void awaitConverged() {
        await("every member to apply the same log").atMost(START).pollInterval(Duration.ofMillis(250)).until(() -> {
            String digest = null;
            long applied = -1;
            for (int i = 0; i < size; i++) {
                JsonNode s = status(i);
                if (s == null) {
                    continue;
                }
                JsonNode log = s.path("log");
                if (log.path("appliedIndex").asLong() != log.path("lastIndex").asLong()) {
                    return false;
                }
                if (digest == null) {
                    digest = log.path("digest").asText();
                    applied = log.path("appliedIndex").asLong();
                } else if (!digest.equals(log.path("digest").asText()) || applied != log.path("appliedIndex").asLong()) {
                    return false;
                }
            }
            return digest != null;
        });
    }

    KvCluster.Answer put(int node, String key, String value) throws IOException, InterruptedException {
        return KvCluster.send(http, endpoint(node), "PUT", key, "", HttpRequest.BodyPublishers.ofString(value));
    }

    KvCluster.Answer get(int node, String key, boolean stale) throws IOException, InterruptedException {
        return KvCluster.send(http, endpoint(node), "GET", key, stale ? "?stale=true" : "", HttpRequest.BodyPublishers.noBody());
    }
}
