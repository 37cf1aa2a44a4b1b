package dev.repl.cli.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.cli.CommandFailedException;
import dev.repl.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Three etcd members on loopback, each with a data directory under one root, written through
 * the member that leads via etcd's JSON gateway ({@code POST /v3/kv/put}). etcd fsyncs its WAL
 * before it answers, as repl does.
 */
final class EtcdKvCluster implements KvTarget {

    private static final Duration START = Duration.ofSeconds(60);

    private final String etcd;
    private final Path root;
    private final List<Process> members = new ArrayList<>();
    private final List<List<String>> commands = new ArrayList<>();
    private final int[] clientPorts = new int[3];
    private final HttpClient http = HttpClient.newHttpClient();
    private final String leaderClient;

    EtcdKvCluster(String etcd, Path root, PrintWriter err) throws IOException, InterruptedException {
        this(etcd, root, List.of(), err);
    }

    /** @param flags given to every member, such as {@code --heartbeat-interval} and {@code --election-timeout} */
    EtcdKvCluster(String etcd, Path root, List<String> flags, PrintWriter err) throws IOException, InterruptedException {
        this.etcd = etcd;
        this.root = root;
        int[] peerPorts = new int[3];
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            clientPorts[i] = BenchFiles.freePort();
            peerPorts[i] = BenchFiles.freePort();
            initial.append(i == 0 ? "" : ",").append("e").append(i).append("=http://127.0.0.1:").append(peerPorts[i]);
        }
        Files.createDirectories(root);
        try {
            new ProcessBuilder(etcd, "--version").redirectErrorStream(true).redirectOutput(Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            throw new CommandFailedException("cannot run " + etcd + " (Debian package etcd-server): " + e.getMessage());
        }
        try {
            for (int i = 0; i < 3; i++) {
                // Tied to this process's life by a pipe, as the repl nodes are: when the bench dies, etcd goes too.
                // The shell lives as long as etcd does, so a member that fails is seen to have exited.
                List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "exec 3<&0; \"$0\" \"$@\" <&- 3<&- & pid=$!; (cat <&3 >/dev/null; kill $pid 2>/dev/null) & wait $pid", etcd,
                        "--name", "e" + i, "--data-dir", root.resolve("e" + i).toString(),
                        "--listen-client-urls", "http://127.0.0.1:" + clientPorts[i], "--advertise-client-urls", "http://127.0.0.1:" + clientPorts[i],
                        "--listen-peer-urls", "http://127.0.0.1:" + peerPorts[i], "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                        "--initial-cluster", initial.toString(), "--initial-cluster-state", "new", "--initial-cluster-token", "repl-bench"));
                command.addAll(flags);
                commands.add(command);
                members.add(launch(i));
            }
            leaderClient = findLeader(err);
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private Process launch(int member) throws IOException {
        return new ProcessBuilder(commands.get(member)).redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(root.resolve("e" + member + ".log").toFile())).start();
    }

    @Override
    public String system() {
        return "etcd";
    }

    /** SIGKILL to member {@code member}'s etcd (not its wrapper shell, which then exits). */
    void kill(int member) throws InterruptedException {
        Process wrapper = members.get(member);
        wrapper.descendants().forEach(ProcessHandle::destroyForcibly);
        wrapper.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts a killed member again on its data directory. */
    void restart(int member) throws IOException {
        members.set(member, launch(member));
    }

    String clientAddress(int member) {
        return "127.0.0.1:" + clientPorts[member];
    }

    /**
     * Member {@code member}'s view: its raft term, and whether it is the leader; null when it does
     * not answer within {@code timeout}.
     */
    long[] status(int member, Duration timeout) throws InterruptedException {
        try {
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://" + clientAddress(member) + "/v3/maintenance/status"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = Json.mapper().readTree(status.body());
            String id = body.path("header").path("member_id").asText();
            String leader = body.path("leader").asText();
            if (id.isEmpty()) {
                return null;
            }
            return new long[] {body.path("raft_term").asLong(), id.equals(leader) ? 1 : 0, leader.isEmpty() || leader.equals("0") ? 0 : 1};
        } catch (IOException e) {
            return null;
        }
    }

    /** A put of {@code key} through member {@code member} (a follower forwards it to its leader). */
    HttpRequest write(int member, String key, byte[] value, Duration timeout) {
        byte[] body;
        try {
            body = Json.mapper().writeValueAsBytes(Map.of("key", key.getBytes(StandardCharsets.UTF_8), "value", value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return HttpRequest.newBuilder(URI.create("http://" + clientAddress(member) + "/v3/kv/put")).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private String findLeader(PrintWriter err) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < members.size(); i++) {
                if (!members.get(i).isAlive()) {
                    List<String> lines = Files.readAllLines(root.resolve("e" + i + ".log"));
                    throw new CommandFailedException("etcd member e" + i + " (" + etcd + ") exited with " + members.get(i).exitValue()
                            + (lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1).strip()));
                }
            }
            for (int port : clientPorts) {
                try {
                    HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v3/maintenance/status"))
                            .POST(HttpRequest.BodyPublishers.ofString("{}")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                    JsonNode body = Json.mapper().readTree(status.body());
                    String member = body.path("header").path("member_id").asText();
                    if (!member.isEmpty() && member.equals(body.path("leader").asText())) {
                        err.println("kv: etcd cluster up, leader at 127.0.0.1:" + port + " (" + body.path("version").asText() + ")");
                        err.flush();
                        return "127.0.0.1:" + port;
                    }
                } catch (IOException e) {
                    // not up yet
                }
            }
            Thread.sleep(200); // a bench's pacing while etcd elects a leader
        }
        throw new CommandFailedException("etcd did not elect a leader within " + START.toSeconds() + " s (is " + etcd + " installed?)");
    }

    @Override
    public HttpRequest write(String key, byte[] value) {
        // The gateway's JSON carries bytes as base64, which Jackson writes for a byte[].
        int member = List.of(clientAddress(0), clientAddress(1), clientAddress(2)).indexOf(leaderClient);
        return write(member, key, value, Duration.ofSeconds(30));
    }

    @Override
    public boolean ok(HttpResponse<byte[]> response) {
        return response.statusCode() == 200;
    }

    @Override
    public void close() {
        for (Process member : members) {
            try {
                member.getOutputStream().close(); // the pipe ends, the wrapper kills etcd
                if (!member.waitFor(10, TimeUnit.SECONDS)) {
                    member.descendants().forEach(ProcessHandle::destroyForcibly);
                    member.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (IOException e) {
                member.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                member.destroyForcibly();
            }
        }
        members.clear();
    }
}
