package dev.repl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        String json = bench.stdout();
        for (String row : new String[] {"netty", "raw"}) {
            Matcher m = Pattern.compile("\"" + row + "\": \\{\"transport\": \"" + row + "\", \"count\": (\\d+), \"perSecond\": (\\d+), \"p50Us\": ([0-9.]+)").matcher(json);
            assertTrue(m.find(), json);
            assertTrue(Long.parseLong(m.group(1)) > 0 && Double.parseDouble(m.group(3)) > 0, json);
        }
        Matcher ratio = Pattern.compile("\"ratio\": \\{\"p50\": ([0-9.]+)").matcher(json);
        assertTrue(ratio.find() && Double.parseDouble(ratio.group(1)) > 0, json);
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
        for (String row : new String[] {"netty", "raw"}) {
            Matcher m = Pattern.compile("\"" + row + "\": \\{\"transport\": \"" + row + "\", \"count\": (\\d+)").matcher(bench.stdout());
            assertTrue(m.find(), bench.stdout());
            assertEquals(3000, Long.parseLong(m.group(1)), "exactly --count round trips are recorded: " + bench.stdout());
        }
    }

    @Test
    void fanoutHeartbeatsEmulatedFollowersAndReportsTheLeadersCost() {
        int base = 21_000 + (int) (ProcessHandle.current().pid() % 20) * 100;
        ReplProcess bench = repl.run(Duration.ofSeconds(180), "bench", "fanout", "--followers", "50", "--rate", "10",
                "--duration", "2s", "--warmup", "1s", "--base-port", Integer.toString(base), "--json");
        assertEquals(0, bench.exitCode(), bench.stdout() + bench.stderr());
        String json = bench.stdout();
        assertTrue(json.contains("\"followers\": 50"), json);
        assertTrue(json.contains("\"followersUp\": 50"), json);
        for (String field : new String[] {"leaderCpuCores", "heapLiveMiB", "rssMiB"}) {
            Matcher m = Pattern.compile("\"" + field + "\": ([0-9.]+)").matcher(json);
            assertTrue(m.find() && Double.parseDouble(m.group(1)) > 0, field + " in " + json);
        }
        assertTrue(json.contains("\"rttUs\": {\"p50\": "), json);
        assertTrue(bench.stderr().contains("fanout: 50/50 followers up"), "progress is shown on stderr");
    }
}
