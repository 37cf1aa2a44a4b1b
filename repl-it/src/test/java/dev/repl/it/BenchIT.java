package dev.repl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
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
}
