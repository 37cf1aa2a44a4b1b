package dev.repl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The benchmarks run and report; the figures themselves are never asserted. */
class BenchIT {

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void rttBaselinePrintsBothRowsAndAPositiveRatio() {
        ReplProcess bench = repl.run(Duration.ofSeconds(60), "bench", "rtt", "--baseline", "--duration", "1s", "--warmup", "1s", "--json");
        assertEquals(0, bench.exitCode(), bench.stderr());
        JsonNode json = Json.parse(bench.stdout());
        for (String row : new String[] {"netty", "raw"}) {
            assertEquals(row, json.get(row).get("transport").asText(), json.toString());
            assertTrue(json.get(row).get("count").asLong() > 0 && json.get(row).get("p50Us").asDouble() > 0, json.toString());
        }
        assertTrue(json.get("ratio").get("p50").asDouble() > 0, json.toString());
        assertTrue(bench.stderr().contains("rtt: raw"), "progress is shown on stderr");
    }

    @Test
    void rttTableHasARatioRow() {
        ReplProcess bench = repl.run(Duration.ofSeconds(60), "bench", "rtt", "--baseline", "--duration", "1s", "--warmup", "1s");
        assertEquals(0, bench.exitCode(), bench.stderr());
        assertTrue(bench.stdout().lines().anyMatch(line -> line.startsWith("netty/raw")), bench.stdout());
    }

    @Test
    void rttOverSeveralConnectionsStopsAtTheCount() {
        ReplProcess bench = repl.run(Duration.ofSeconds(120), "bench", "rtt", "--baseline", "--connections", "3", "--count", "3000",
                "--warmup", "1s", "--json");
        assertEquals(0, bench.exitCode(), bench.stderr());
        JsonNode json = Json.parse(bench.stdout());
        for (String row : new String[] {"netty", "raw"}) {
            assertEquals(3000, json.get(row).get("count").asLong(), "exactly --count round trips are recorded: " + json);
        }
    }

    @Test
    void fanoutHeartbeatsEmulatedFollowersAndReportsTheLeadersCost() {
        int base = 21_000 + (int) (ProcessHandle.current().pid() % 20) * 100;
        ReplProcess bench = repl.run(Duration.ofSeconds(180), "bench", "fanout", "--followers", "50", "--rate", "10",
                "--duration", "2s", "--warmup", "1s", "--base-port", Integer.toString(base), "--json");
        assertEquals(0, bench.exitCode(), bench.stdout() + bench.stderr());
        JsonNode json = Json.parse(bench.stdout());
        assertEquals(50, json.get("followers").asInt(), json.toString());
        assertEquals(50, json.get("followersUp").asInt(), json.toString());
        for (String field : new String[] {"leaderCpuCores", "heapLiveMiB", "rssMiB"}) {
            assertTrue(json.get(field).asDouble() > 0, field + " in " + json);
        }
        assertTrue(json.get("rttUs").get("p50").isNumber(), json.toString());
        assertTrue(bench.stderr().contains("fanout: 50/50 followers up"), "progress is shown on stderr");
    }

    @Test
    void kvWritesToReplAndEtcdInTheSameRunAndReportsBoth() {
        boolean etcd = Files.isExecutable(Path.of("/usr/bin/etcd"));
        if (!etcd && System.getenv("CI") != null) {
            fail("repl bench kv --vs-etcd needs /usr/bin/etcd (apt-get install -y etcd-server); .ci/run installs it");
        }
        List<String> args = new ArrayList<>(List.of("bench", "kv", "--clients", "1,4", "--duration", "1s", "--warmup", "1s", "--rounds", "1",
                "--json"));
        if (etcd) {
            args.add("--vs-etcd");
        }
        ReplProcess bench = repl.run(Duration.ofSeconds(180), args.toArray(String[]::new));
        assertEquals(0, bench.exitCode(), bench.stdout() + bench.stderr());
        JsonNode json = Json.parse(bench.stdout());
        List<String> rows = new ArrayList<>();
        for (JsonNode r : json.get("results")) {
            rows.add(r.get("system").asText() + " " + r.get("clients").asInt());
            assertTrue(r.get("writesPerSecond").asLong() > 0, r.toString());
            assertEquals(0, r.get("errors").asLong(), "every write committed: " + r);
        }
        assertEquals(etcd ? List.of("repl 1", "etcd 1", "repl 4", "etcd 4") : List.of("repl 1", "repl 4"), rows);
        JsonNode leader = json.get("replLeader").get(0);
        assertTrue(leader.get("logBytes").asLong() > 0 && leader.get("heapAfterGcBytes").asLong() > 0, leader.toString());
        assertTrue(bench.stderr().contains("kv: round 1/1, repl, 1 client(s)"), "progress is shown on stderr");
    }

    @Test
    void failoverKillsTheLeaderAndTimesTheNextCommitAgainstEtcd() {
        boolean etcd = Files.isExecutable(Path.of("/usr/bin/etcd"));
        if (!etcd && System.getenv("CI") != null) {
            fail("repl bench failover --vs-etcd needs /usr/bin/etcd (apt-get install -y etcd-server); .ci/run installs it");
        }
        List<String> args = new ArrayList<>(List.of("bench", "failover", "--kills", "2", "--json"));
        if (etcd) {
            args.add("--vs-etcd");
        }
        ReplProcess bench = repl.run(Duration.ofSeconds(180), args.toArray(String[]::new));
        assertEquals(0, bench.exitCode(), bench.stdout() + bench.stderr());
        JsonNode json = Json.parse(bench.stdout());
        List<String> systems = new ArrayList<>();
        for (JsonNode r : json.get("results")) {
            systems.add(r.get("system").asText());
            assertEquals(2, r.get("kills").asInt());
            // Another leader committed after each kill: at least the election timeout after the last heartbeat.
            assertTrue(r.get("p50Ms").asDouble() > 0 && r.get("maxMs").asDouble() >= r.get("p50Ms").asDouble(), r.toString());
        }
        assertEquals(etcd ? List.of("repl", "etcd") : List.of("repl"), systems);
        assertEquals(2, bench.stderr().lines().filter(l -> l.startsWith("failover: repl kill")).count(), bench.stderr());
    }

    @Test
    void catchUpTimesANewFollowerAgainstTheDiskAndTheNetwork() {
        ReplProcess bench = repl.run(Duration.ofSeconds(180), "bench", "catchup", "--mib", "16", "--json");
        assertEquals(0, bench.exitCode(), bench.stdout() + bench.stderr());
        JsonNode json = Json.parse(bench.stdout());
        assertTrue(json.get("logBytes").asLong() >= 16L << 20, json.toString());
        for (String field : new String[] {"catchUpMiBPerSecond", "diskFloorMiBPerSecond", "loopbackFloorMiBPerSecond",
            "loopbackToDiskFloorMiBPerSecond"}) {
            assertTrue(json.get(field).asDouble() > 0, field + " in " + json);
        }
    }
}
