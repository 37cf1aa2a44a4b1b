package dev.repl.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.cli.CommandFailedException;
import dev.repl.cli.FollowerProcess;
import dev.repl.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A leader and two followers, each a process launched as {@code ./repl node} would be, with its
 * own data directory under one root (one disk), quorum acks and fsync. Node 0 leads and serves
 * its admin endpoint, so the bench can read its log and lag; nodes start when asked, so a
 * follower can join late.
 */
final class ReplKvCluster implements KvTarget {

    private static final Duration START = Duration.ofSeconds(60);
    /** The JVM settings the launcher gives a node with --data-dir (the ./repl script): what users run is what is measured. */
    private static final List<String> NODE_JVM = List.of("-XX:+UseSerialGC", "-Xms64m", "-Xmx512m", "-XX:MaxMetaspaceSize=128m",
            "-XX:MaxDirectMemorySize=256m", "-Xss512k");
    private static final Pattern HEAP_USED = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} (\\S+)$");

    private final Path root;
    private final List<String> nodeArgs;
    private final PrintWriter err;
    private final int[] peers = new int[3];
    private final int[] clientPorts = new int[3];
    private final int adminPort;
    private final FollowerProcess[] nodes = new FollowerProcess[3];
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** @param nodeArgs options every node gets besides its addresses and data directory */
    ReplKvCluster(Path root, List<String> nodeArgs, PrintWriter err) throws IOException {
        this.root = Files.createDirectories(root);
        this.nodeArgs = List.copyOf(nodeArgs);
        this.err = err;
        for (int i = 0; i < 3; i++) {
            peers[i] = BenchFiles.freePort();
            clientPorts[i] = BenchFiles.freePort();
        }
        adminPort = BenchFiles.freePort();
    }

    @Override
    public String system() {
        return "repl";
    }

    static String name(int node) {
        return node == 0 ? "leader" : "follower-" + node;
    }

    /** Starts node {@code node} (0 leads) on an empty or existing data directory. */
    void start(int node) {
        List<String> args = new ArrayList<>(List.of("node", "--role", node == 0 ? "leader" : "follower", "--name", name(node),
                "--port", Integer.toString(peers[node]), "--data-dir", dataDir(node).toString(),
                "--client-port", Integer.toString(clientPorts[node]), "--until-stdin-closes"));
        if (node == 0) {
            args.addAll(List.of("--followers", "127.0.0.1:" + peers[1] + ",127.0.0.1:" + peers[2], "--admin-port", Integer.toString(adminPort)));
        }
        args.addAll(nodeArgs);
        nodes[node] = FollowerProcess.launch(new Peer(name(node), NodeAddress.loopback(peers[node])), NODE_JVM, args,
                Redirect.appendTo(root.resolve(name(node) + ".log").toFile()));
    }

    Path dataDir(int node) {
        return root.resolve(name(node));
    }

    /** Waits until the leader commits a write. */
    void awaitWritable() throws InterruptedException {
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (ok(http.send(write("bench-ready", new byte[] {1}), HttpResponse.BodyHandlers.ofByteArray()))) {
                    err.println("kv: repl cluster up, leader at 127.0.0.1:" + clientPorts[0]);
                    err.flush();
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200); // a bench's pacing while child JVMs start
        }
        throw new CommandFailedException("the repl cluster did not take a write within " + START.toSeconds() + " s; logs in " + root);
    }

    /** The leader's {@code /status}. */
    JsonNode status() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/status"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return Json.mapper().readTree(r.body());
    }

    /** The leader's heap in use right after a full collection (asked of it with {@code jcmd}), in bytes. */
    long leaderHeapAfterGc() throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process gc = new ProcessBuilder(jcmd, Long.toString(nodes[0].pid()), "GC.run").redirectErrorStream(true)
                .redirectOutput(Redirect.DISCARD).start();
        if (gc.waitFor() != 0) {
            throw new CommandFailedException("jcmd " + nodes[0].pid() + " GC.run failed");
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = HEAP_USED.matcher(r.body());
        if (!m.find()) {
            throw new CommandFailedException("the leader's /metrics has no jvm_memory_used_bytes{area=\"heap\"}");
        }
        return (long) Double.parseDouble(m.group(1));
    }

    @Override
    public HttpRequest write(String key, byte[] value) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPorts[0] + "/kv/" + key)).timeout(Duration.ofSeconds(30))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(value)).build();
    }

    @Override
    public boolean ok(HttpResponse<byte[]> response) {
        return response.statusCode() == 200;
    }

    @Override
    public void close() {
        for (FollowerProcess node : nodes) {
            if (node != null) {
                node.stop();
            }
        }
    }
}
