package dev.repl.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A leader with an admin endpoint and its followers, each a real process, on free ports. */
final class Cluster {

    static final Duration START = Duration.ofSeconds(30);

    final ReplLauncher repl;
    final int[] followerPorts;
    final List<ReplProcess> followers = new ArrayList<>();
    final int adminPort = ReplLauncher.freePort();
    ReplProcess leader;
    private final List<String> followerArgs = new ArrayList<>();

    Cluster(ReplLauncher repl, int followerCount) {
        this.repl = repl;
        this.followerPorts = new int[followerCount];
        for (int i = 0; i < followerCount; i++) {
            followerPorts[i] = ReplLauncher.freePort();
        }
    }

    /** Extra options for every follower's {@code repl node} command line. */
    Cluster followerArgs(String... args) {
        followerArgs.addAll(List.of(args));
        return this;
    }

    /** Starts every follower, then the leader, and waits until the leader has every follower UP. */
    Cluster start(String... leaderArgs) {
        for (int i = 0; i < followerPorts.length; i++) {
            followers.add(startFollower(i));
        }
        List<String> args = new ArrayList<>(List.of("node", "--role", "leader", "--port", Integer.toString(ReplLauncher.freePort()),
                "--followers", followerList(), "--admin-port", Integer.toString(adminPort)));
        args.addAll(List.of(leaderArgs));
        leader = repl.start(args.toArray(String[]::new));
        for (int i = 0; i < followerPorts.length; i++) {
            leader.awaitLog(name(i) + " CONNECTING -> UP", START);
        }
        return this;
    }

    ReplProcess startFollower(int index) {
        List<String> args = new ArrayList<>(List.of("node", "--role", "follower", "--port", Integer.toString(followerPorts[index]), "--name", name(index)));
        args.addAll(followerArgs);
        return repl.start(args.toArray(String[]::new)).awaitLog("listening on", START);
    }

    static String name(int index) {
        return "follower-" + (index + 1);
    }

    String admin() {
        return "127.0.0.1:" + adminPort;
    }

    /** GET a path of the leader's admin endpoint. */
    String get(String path) {
        return get(admin(), path);
    }

    /** GET a path of an admin endpoint, which must answer 200. */
    static String get(String admin, String path) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://" + admin + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The leader's {@code /status}, parsed. */
    JsonNode status() {
        return Json.parse(get("/status"));
    }

    /** One follower's entry in the leader's {@code /status}. */
    JsonNode follower(String name) {
        return Json.follower(status(), name);
    }

    private String followerList() {
        StringBuilder list = new StringBuilder();
        for (int port : followerPorts) {
            list.append(list.length() == 0 ? "" : ",").append("127.0.0.1:").append(port);
        }
        return list.toString();
    }
}
