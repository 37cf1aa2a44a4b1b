package dev.repl.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.cli.FollowerProcess;
import dev.repl.cli.Json;
import java.io.IOException;
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
import java.util.StringJoiner;

/**
 * Three members that elect their leader ({@code repl node --id --peers}), each a process launched
 * as the launcher would, with its own data directory under one root, a key-value API and an
 * admin endpoint. Members can be killed and started again on the same ports and directories.
 */
final class ReplPeerCluster implements AutoCloseable {

    /** The JVM settings the launcher gives a node with a data directory: what users run is what is measured. */
    private static final List<String> NODE_JVM = List.of("-XX:+UseSerialGC", "-Xms64m", "-Xmx512m", "-XX:MaxMetaspaceSize=128m",
            "-XX:MaxDirectMemorySize=256m", "-Xss512k");

    private final Path root;
    private final List<String> memberArgs;
    private final int[] peers = new int[3];
    private final int[] clientPorts = new int[3];
    private final int[] adminPorts = new int[3];
    private final FollowerProcess[] members = new FollowerProcess[3];
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** @param memberArgs options every member gets besides its addresses and data directory (the heartbeat and election timings) */
    ReplPeerCluster(Path root, List<String> memberArgs) throws IOException {
        this.root = Files.createDirectories(root);
        this.memberArgs = List.copyOf(memberArgs);
        for (int i = 0; i < 3; i++) {
            peers[i] = BenchFiles.freePort();
            clientPorts[i] = BenchFiles.freePort();
            adminPorts[i] = BenchFiles.freePort();
        }
    }

    static String id(int member) {
        return "n" + (member + 1);
    }

    void start(int member) {
        StringJoiner all = new StringJoiner(",");
        for (int i = 0; i < 3; i++) {
            all.add(id(i) + "=127.0.0.1:" + peers[i]);
        }
        List<String> args = new ArrayList<>(List.of("node", "--id", id(member), "--peers", all.toString(),
                "--data-dir", root.resolve(id(member)).toString(), "--client-port", Integer.toString(clientPorts[member]),
                "--admin-port", Integer.toString(adminPorts[member]), "--until-stdin-closes"));
        args.addAll(memberArgs);
        members[member] = FollowerProcess.launch(new Peer(id(member), NodeAddress.loopback(peers[member])), NODE_JVM, args,
                Redirect.appendTo(root.resolve(id(member) + ".log").toFile()));
    }

    void kill(int member) throws InterruptedException {
        members[member].kill();
    }

    /** A member's {@code /status}, or null when it does not answer within {@code timeout}. */
    JsonNode status(int member, Duration timeout) throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPorts[member] + "/status"))
                    .timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
            return Json.mapper().readTree(r.body());
        } catch (IOException e) {
            return null;
        }
    }

    String clientAddress(int member) {
        return "127.0.0.1:" + clientPorts[member];
    }

    HttpRequest write(int member, String key, byte[] value, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://" + clientAddress(member) + "/kv/" + key)).timeout(timeout)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(value)).build();
    }

    Path root() {
        return root;
    }

    @Override
    public void close() {
        for (FollowerProcess member : members) {
            if (member != null) {
                member.stop();
            }
        }
    }
}
