package dev.repl.bench.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.admin.Json;
import dev.repl.cli.ExitCodes;
import dev.repl.cli.ReplCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** With this module on the class path, {@code repl bench} offers its benchmarks beside the CLI's own. */
class BenchmarkServicesTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void benchFindsEveryRawBenchmarkBeforeItsOwn() {
        PrintWriter none = new PrintWriter(Writer.nullWriter());
        Map<String, CommandLine> benchmarks = ReplCli.create(none, none).getSubcommands().get("bench").getSubcommands();
        assertEquals(List.of("rtt", "fanout", "detection", "tls", "followers", "kv", "catchup", "failover"), List.copyOf(benchmarks.keySet()));
        assertTrue(benchmarks.get("followers").getCommandSpec().usageMessage().hidden(), "fanout's emulator is no user command");
    }

    @Test
    void benchWithoutANameListsThemAll() {
        assertEquals(ExitCodes.USAGE, ReplCli.run(new PrintWriter(out), new PrintWriter(err), "bench"));
        assertEquals("repl: a benchmark is required: rtt, fanout, detection, tls, kv, catchup or failover (see 'repl bench --help')",
                err.toString().lines().findFirst().orElseThrow());
    }

    @Test
    void theHiddenEmulatorIsFoundTheWayFanoutsChildrenAskForIt() {
        // A child runs "repl bench followers ...": only bench is built, and the emulator must be in it.
        assertEquals(ExitCodes.USAGE, ReplCli.run(new PrintWriter(out), new PrintWriter(err), "bench", "followers"));
        assertTrue(err.toString().startsWith("repl: Missing required options: '--base-port=<basePort>', '--count=<count>'"), err.toString());
    }

    @Test
    void aFoundBenchmarkRunsFromTheCommandLine() throws Exception {
        assertEquals(ExitCodes.OK, ReplCli.run(new PrintWriter(out), new PrintWriter(err), "bench", "rtt", "--count", "200", "--warmup", "100ms", "--json"),
                err.toString());
        JsonNode netty = Json.mapper().readTree(out.toString()).get("netty");
        assertEquals(200, netty.get("count").asLong(), out.toString());
    }
}
