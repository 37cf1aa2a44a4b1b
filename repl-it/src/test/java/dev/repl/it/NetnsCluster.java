package dev.repl.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A leader and its followers as separate hosts ({@link NetnsHosts}): every node keeps a replicated
 * log in a data directory of its own and serves the key-value API. {@link #close} stops every
 * process and removes every namespace.
 */
final class NetnsCluster implements AutoCloseable {

    static final int LEADER = 0;
    static final int PORT = 7001;
    static final int ADMIN_PORT = 7080;
    static final int CLIENT_PORT = 8000;
    private static final Duration START = Duration.ofSeconds(60);

    private final ReplLauncher repl;
    private final int followers;
    private final ReplProcess[] nodes;
    private final List<String> leaderArgs;
    private NetnsHosts hosts;

    /** @param leaderArgs the leader's detector options */
    NetnsCluster(ReplLauncher repl, int followers, List<String> leaderArgs) {
        this.repl = repl;
        this.followers = followers;
        this.nodes = new ReplProcess[followers + 1];
        this.leaderArgs = leaderArgs;
    }

    String namespace(int node) {
        return hosts.namespace(node);
    }

    static String address(int node) {
        return NetnsHosts.address(node);
    }

    static String name(int follower) {
        return "follower-" + follower;
    }

    int followers() {
        return followers;
    }

    ReplProcess node(int node) {
        return nodes[node];
    }

    String prefix() {
        return hosts.prefix();
    }

    /** Makes the hosts and the bridge, starts every follower and then the leader, and waits until all are UP. */
    NetnsCluster start() {
        hosts = new NetnsHosts(followers + 1);
        for (int follower = 1; follower <= followers; follower++) {
            startFollower(follower);
        }
        StringBuilder list = new StringBuilder();
        for (int follower = 1; follower <= followers; follower++) {
            list.append(follower > 1 ? "," : "").append(address(follower)).append(':').append(PORT);
        }
        List<String> args = new ArrayList<>(List.of("node", "--role", "leader", "--host", address(LEADER), "--port", Integer.toString(PORT),
                "--followers", list.toString(), "--admin-port", Integer.toString(ADMIN_PORT),
                "--data-dir", repl.dir().resolve("data-leader").toString(), "--client-port", Integer.toString(CLIENT_PORT)));
        args.addAll(leaderArgs);
        nodes[LEADER] = repl.startWith(inside(LEADER), args.toArray(String[]::new));
        for (int follower = 1; follower <= followers; follower++) {
            nodes[LEADER].awaitLog(name(follower) + " CONNECTING -> UP", START);
        }
        return this;
    }

    void startFollower(int follower) {
        nodes[follower] = repl.startWith(inside(follower), "node", "--role", "follower", "--host", address(follower),
                "--port", Integer.toString(PORT), "--name", name(follower), "--leader-timeout", "1s",
                "--data-dir", repl.dir().resolve("data-" + name(follower)).toString(), "--client-port", Integer.toString(CLIENT_PORT))
                .awaitLog("listening on", START);
    }

    List<String> inside(int node) {
        return hosts.inside(node); // it execs the launcher: same process, same environment
    }

    void firewall(int node, String rules) {
        hosts.firewall(node, rules);
    }

    void clearFirewall(int node) {
        hosts.clearFirewall(node);
    }

    /** The leader's {@code /status}, read from inside its host. */
    String status() {
        return Netns.run("ip", "netns", "exec", namespace(LEADER), "curl", "-s", "--max-time", "5",
                "http://" + address(LEADER) + ":" + ADMIN_PORT + "/status");
    }

    /** Writes {@code key} through the leader's key-value API, from inside its host; the HTTP status, or 0 for no answer. */
    int put(String key, String value) {
        return call("PUT", key, null, value, 10).status();
    }

    /** An answer of the leader's key-value API: its HTTP status (0 for none in time) and body. */
    record Answer(int status, String body) {
    }

    /**
     * One request to the leader's key-value API, from inside its host, waiting at most
     * {@code maxSeconds}: longer than the leader's commit timeout, so a write it cannot commit
     * is answered 504 rather than cut off.
     */
    Answer call(String method, String key, String query, String body, int maxSeconds) {
        return call(LEADER, method, key, query, body, maxSeconds);
    }

    /** The same, to {@code node}'s key-value API from inside its host. */
    Answer call(int node, String method, String key, String query, String body, int maxSeconds) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace(node), "curl", "-s", "--max-time",
                Integer.toString(maxSeconds), "-w", "\n%{http_code}", "-X", method));
        if (body != null) {
            command.addAll(List.of("--data-binary", body));
        }
        command.add("http://" + address(node) + ":" + CLIENT_PORT + "/kv/" + key + (query == null ? "" : "?" + query));
        try {
            String out = Netns.run(command.toArray(String[]::new));
            int newline = out.lastIndexOf('\n');
            return new Answer(Integer.parseInt(out.substring(newline + 1).strip()), out.substring(0, newline));
        } catch (RuntimeException e) {
            return new Answer(0, ""); // curl timed out or failed: no answer
        }
    }

    /**
     * Reads {@code keys} from the leader in one curl, from inside its host: for each, {@code "CODE VALUE"},
     * or {@code "000"} when there was no answer.
     */
    String[] getAll(List<String> keys) {
        // Each answer is its body, a tab and its status on a line of its own; the drill's values hold neither.
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace(LEADER), "curl", "-s", "--max-time", "30",
                "-w", "\t%{http_code}\n"));
        for (String key : keys) {
            command.add("http://" + address(LEADER) + ":" + CLIENT_PORT + "/kv/" + key);
        }
        String[] answers = new String[keys.size()];
        Arrays.fill(answers, "000");
        try {
            String[] lines = Netns.run(command.toArray(String[]::new)).split("\n");
            for (int i = 0; i < Math.min(lines.length, answers.length); i++) {
                int tab = lines[i].lastIndexOf('\t');
                answers[i] = tab < 0 ? "000" : lines[i].substring(tab + 1) + " " + lines[i].substring(0, tab);
            }
        } catch (RuntimeException e) {
            // curl failed on some key: every key of the batch stays 000 and is reported unread
        }
        return answers;
    }

    @Override
    public void close() {
        for (ReplProcess node : nodes) {
            if (node != null && node.isAlive()) {
                node.signal("CONT"); // a frozen node cannot act on the stop that follows
                node.stop();
            }
        }
        if (hosts != null) {
            hosts.close();
        }
    }
}
