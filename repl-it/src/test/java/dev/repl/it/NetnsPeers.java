package dev.repl.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;

/**
 * Members of a cluster that elects its leader, each on a host of its own ({@link NetnsHosts}),
 * and one more host for the clients, which no fault touches: clients reach every member as an
 * application on another machine would. Every member keeps its log in a data directory of its own;
 * members can be killed, frozen, cut off and started again on the same address and directory.
 */
final class NetnsPeers implements AutoCloseable {

    static final int PORT = 7001;
    static final int ADMIN_PORT = 7080;
    static final int CLIENT_PORT = 8000;
    private static final Duration START = Duration.ofSeconds(60);

    /** What a call answered: the HTTP status and body; status 0 when curl got no answer, with {@code connected} false when it never connected. */
    record Answer(int status, String body, boolean connected) {
    }

    private final ReplLauncher repl;
    private final int members;
    private final List<String> args;
    private final ReplProcess[] nodes;
    private NetnsHosts hosts;

    /** @param args given to every member, such as the heartbeat interval and election timeout */
    NetnsPeers(ReplLauncher repl, int members, List<String> args) {
        this.repl = repl;
        this.members = members;
        this.args = List.copyOf(args);
        this.nodes = new ReplProcess[members];
    }

    int members() {
        return members;
    }

    int clientHost() {
        return members;
    }

    static String id(int member) {
        return "n" + (member + 1);
    }

    static String address(int member) {
        return NetnsHosts.address(member);
    }

    String prefix() {
        return hosts.prefix();
    }

    ReplProcess member(int member) {
        return nodes[member];
    }

    NetnsPeers start() {
        hosts = new NetnsHosts(members + 1);
        for (int m = 0; m < members; m++) {
            startMember(m);
        }
        return this;
    }

    void startMember(int member) {
        StringJoiner peers = new StringJoiner(",");
        for (int m = 0; m < members; m++) {
            peers.add(id(m) + "=" + address(m) + ":" + PORT);
        }
        List<String> command = new ArrayList<>(List.of("node", "--id", id(member), "--peers", peers.toString(),
                "--data-dir", repl.dir().resolve("data-" + id(member)).toString(), "--client-port", Integer.toString(CLIENT_PORT),
                "--admin-port", Integer.toString(ADMIN_PORT)));
        command.addAll(args);
        nodes[member] = repl.startWith(hosts.inside(member), command.toArray(String[]::new)).awaitLog("admin endpoint on", START);
    }

    /** Every member's client address, for a client's list of endpoints. */
    List<String> endpoints() {
        List<String> all = new ArrayList<>();
        for (int m = 0; m < members; m++) {
            all.add(address(m) + ":" + CLIENT_PORT);
        }
        return all;
    }

    /** Cuts {@code member} off from every other member, both ways, in its own firewall; the client host still reaches it. */
    void isolate(int member) {
        StringBuilder in = new StringBuilder();
        StringBuilder out = new StringBuilder();
        for (int m = 0; m < members; m++) {
            if (m != member) {
                in.append("ip saddr ").append(address(m)).append(" drop; ");
                out.append("ip daddr ").append(address(m)).append(" drop; ");
            }
        }
        firewall(member, in.toString(), out.toString());
    }

    /** Drops what {@code from} sends to {@code to}, at {@code to}; the other way still flows. */
    void dropOneWay(int from, int to) {
        firewall(to, "ip saddr " + address(from) + " drop;", null);
    }

    /** Drops a third of what {@code from} sends to {@code to}, at random. */
    void loss(int from, int to) {
        firewall(to, "ip saddr " + address(from) + " numgen random mod 3 == 0 drop;", null);
    }

    private void firewall(int member, String input, String output) {
        StringBuilder r = new StringBuilder("table inet replit_drill {\n");
        if (input != null) {
            r.append("  chain in { type filter hook input priority 0; ").append(input).append(" }\n");
        }
        if (output != null) {
            r.append("  chain out { type filter hook output priority 0; ").append(output).append(" }\n");
        }
        hosts.firewall(member, r.append("}\n").toString());
    }

    void heal(int member) {
        hosts.clearFirewall(member);
    }

    /** A member's {@code /status} read from the client host, or null when it does not answer within a second. */
    JsonNode status(int member) {
        Answer a = curl(List.of("--max-time", "1", "http://" + address(member) + ":" + ADMIN_PORT + "/status"));
        return a.status() == 200 ? Json.parse(a.body()) : null;
    }

    /** The member every answering member agrees leads, in one term, or -1. */
    int agreedLeader() {
        JsonNode[] statuses = new JsonNode[members];
        for (int m = 0; m < members; m++) {
            statuses[m] = status(m);
        }
        return Agreement.leader(statuses, NetnsPeers::id);
    }

    /** One request to a member's key-value API from the client host. */
    Answer call(int member, String method, String key, String query, String body, int maxSeconds) {
        List<String> command = new ArrayList<>(List.of("--max-time", Integer.toString(maxSeconds), "-X", method));
        if (body != null) {
            command.addAll(List.of("--data-binary", body));
        }
        command.add("http://" + address(member) + ":" + CLIENT_PORT + "/kv/" + key + (query == null ? "" : "?" + query));
        return curl(command);
    }

    /**
     * Reads {@code keys} from {@code member} in one curl: for each, {@code "CODE VALUE"}, or
     * {@code "000"} when there was no answer.
     */
    String[] getAll(int member, List<String> keys) {
        List<String> command = new ArrayList<>(List.of("--max-time", "30", "-w", "\t%{http_code}\n"));
        for (String key : keys) {
            command.add("http://" + address(member) + ":" + CLIENT_PORT + "/kv/" + key);
        }
        String[] answers = new String[keys.size()];
        Arrays.fill(answers, "000");
        Answer all = run(command, false);
        String[] lines = all.body().split("\n");
        for (int i = 0; i < Math.min(lines.length, answers.length); i++) {
            int tab = lines[i].lastIndexOf('\t');
            answers[i] = tab < 0 ? "000" : lines[i].substring(tab + 1) + " " + lines[i].substring(0, tab);
        }
        return answers;
    }

    private Answer curl(List<String> args) {
        List<String> command = new ArrayList<>(List.of("-w", "\n%{http_code}"));
        command.addAll(args);
        return run(command, true);
    }

    /** curl inside the client host; exit 7 (could not connect) means nothing was sent. */
    private Answer run(List<String> args, boolean statusLine) {
        List<String> command = new ArrayList<>(hosts.inside(clientHost()));
        command.addAll(List.of("curl", "-s"));
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int exit = p.waitFor();
            if (!statusLine) {
                return new Answer(exit == 0 ? 200 : 0, out, exit != 7);
            }
            if (exit != 0) {
                return new Answer(0, "", exit != 7);
            }
            int newline = out.lastIndexOf('\n');
            return new Answer(Integer.parseInt(out.substring(newline + 1).strip()), out.substring(0, newline), true);
        } catch (java.io.IOException e) {
            return new Answer(0, "", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "", true);
        }
    }

    @Override
    public void close() {
        for (ReplProcess node : nodes) {
            if (node != null && node.isAlive()) {
                node.signal("CONT");
                node.stop();
            }
        }
        if (hosts != null) {
            hosts.close();
        }
    }
}
