package dev.repl.it;

import static dev.repl.it.Cluster.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What an operator configures and reads: a node started from a config file, and JSON logs a pipeline can parse. */
class OperatorIT {

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void jsonLogsNameTheNodeTheEventAndItsFields() {
        Cluster cluster = new Cluster(repl, 2).followerArgs("--log-format", "json").start("--log-format", "json");
        cluster.followers.get(0).awaitLog("\"event\":\"leader-up\"", START);
        cluster.followers.get(1).kill();
        cluster.leader.awaitLog("\"to\":\"DOWN\"", START);

        List<JsonNode> leaderLines = lines(cluster.leader);
        JsonNode down = leaderLines.stream()
                .filter(l -> l.path("event").asText().equals("follower-state") && l.path("to").asText().equals("DOWN"))
                .findFirst().orElseThrow();
        assertEquals("leader", down.get("node").asText());
        assertEquals("WARN", down.get("level").asText());
        assertEquals("follower-2", down.get("follower").asText());
        assertTrue(List.of("UP", "SUSPECT").contains(down.get("from").asText()), down.toString());
        assertTrue(down.get("reason").asText().startsWith("connection"), down.toString());
        assertTrue(down.get("rttUs").isNumber(), down.toString());
        assertTrue(down.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), down.toString());
        assertTrue(leaderLines.stream().anyMatch(l -> l.path("event").asText().equals("connected")
                && l.path("follower").asText().equals("follower-1")), "connected events name the follower");

        JsonNode up = lines(cluster.followers.get(0)).stream().filter(l -> l.path("event").asText().equals("leader-up")).findFirst().orElseThrow();
        assertEquals("follower-1", up.get("node").asText());
        assertEquals("leader", up.get("leader").asText());
    }

    @Test
    void nodeRunsFromAConfigFileAndTheCommandLineWins() throws Exception {
        int port = ReplLauncher.freePort();
        int admin = ReplLauncher.freePort();
        Path config = Files.write(repl.dir().resolve("follower.properties"), List.of(
                "role=follower", "name=from-file", "port=1", "admin-port=" + admin, "leader-timeout=2s"));
        ReplProcess printed = repl.run(START, "node", "--config", config.toString(), "--port", Integer.toString(port), "--print-config");
        assertEquals(0, printed.exitCode(), printed.stderr());
        assertTrue(printed.stdout().lines().anyMatch(l -> l.matches("port +" + port + " +command line")), printed.stdout());
        assertTrue(printed.stdout().lines().anyMatch(l -> l.matches("leader-timeout +2s +config file .*follower.properties")), printed.stdout());

        repl.start("node", "--config", config.toString(), "--port", Integer.toString(port)).awaitLog("listening on 127.0.0.1:" + port, START);
        ReplProcess check = repl.run(START, "heartbeat", "--followers", "127.0.0.1:" + port);
        assertEquals(0, check.exitCode(), check.stderr());
        assertEquals("from-file", Json.parse(Cluster.get("127.0.0.1:" + admin, "/status")).get("name").asText());
    }

    @Test
    void monitoringExamplesPassPromtoolAndQueryOnlyMetricsNodesExpose() throws Exception {
        Path monitoring = Path.of("../docs/monitoring").toAbsolutePath().normalize();
        KvCluster cluster = new KvCluster(repl, 1).start();
        Set<String> exposed = new HashSet<>();
        for (int node = 0; node < cluster.size; node++) {
            // Samples by their names (with _bucket, _sum, _count), and families by their # TYPE lines.
            Cluster.get("127.0.0.1:" + cluster.adminPorts[node], "/metrics").lines().filter(l -> !l.startsWith("# HELP"))
                    .map(l -> l.startsWith("# TYPE ") ? l.split(" ")[2] : l.split("[{ ]")[0]).forEach(exposed::add);
        }
        Set<String> queried = new TreeSet<>();
        for (String file : List.of("grafana-dashboard.json", "repl-rules.yml")) {
            Matcher name = Pattern.compile("\\brepl_[a-z_]*[a-z]\\b").matcher(Files.readString(monitoring.resolve(file)));
            while (name.find()) {
                queried.add(name.group());
            }
        }
        assertTrue(queried.size() > 15, queried.toString());
        queried.removeAll(exposed);
        assertEquals(Set.of(), queried, "metrics the dashboard or the rules query that no node exposes");

        Promtool.assertPasses(monitoring, "check", "config", "prometheus.yml");
        Promtool.assertPasses(monitoring, "check", "rules", "repl-rules.yml");
        Promtool.assertPasses(monitoring, "test", "rules", "repl-rules.test.yml");
    }

    /** Every line a node logged, each of which must be one JSON object. */
    private static List<JsonNode> lines(ReplProcess process) {
        return process.stderr().lines().map(Json::parse).toList();
    }
}
