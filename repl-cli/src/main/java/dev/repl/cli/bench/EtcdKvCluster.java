package dev.repl.cli.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.admin.Json;
import dev.repl.cli.CommandFailedException;
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
    private final List<Process> members = new ArrayList<>();
    private final String leaderClient;

    EtcdKvCluster(String etcd, Path root, PrintWriter err) throws IOException, InterruptedException {
        this.etcd = etcd;
        int[] clientPorts = new int[3];
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
                List<String> command = List.of("/bin/sh", "-c", "exec 3<&0; \"$0\" \"$@\" <&- 3<&- & pid=$!; (cat <&3 >/dev/null; kill $pid 2>/dev/null) & wait $pid", etcd,
                        "--name", "e" + i, "--data-dir", root.resolve("e" + i).toString(),
                        "--listen-client-urls", "http://127.0.0.1:" + clientPorts[i], "--advertise-client-urls", "http://127.0.0.1:" + clientPorts[i],
                        "--listen-peer-urls", "http://127.0.0.1:" + peerPorts[i], "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                        "--initial-cluster", initial.toString(), "--initial-cluster-state", "new", "--initial-cluster-token", "repl-bench");
                members.add(new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(Redirect.appendTo(root.resolve("e" + i + ".log").toFile())).start());
            }
            leaderClient = findLeader(clientPorts, root, err);
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public String system() {
        return "etcd";
    }

    private String findLeader(int[] clientPorts, Path root, PrintWriter err) throws InterruptedException, IOException {
        HttpClient http = HttpClient.newHttpClient();
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
        byte[] body;
        try {
            // The gateway's JSON carries bytes as base64, which Jackson writes for a byte[].
            body = Json.mapper().writeValueAsBytes(Map.of("key", key.getBytes(StandardCharsets.UTF_8), "value", value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return HttpRequest.newBuilder(URI.create("http://" + leaderClient + "/v3/kv/put")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
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
