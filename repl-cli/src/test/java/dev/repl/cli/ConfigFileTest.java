package dev.repl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code repl node --config FILE} and {@code --print-config}: precedence, sources, and the errors a user reads. */
class ConfigFileTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return ReplCli.run(new PrintWriter(out), new PrintWriter(err), args);
    }

    private Path file(String... lines) throws IOException {
        return Files.write(dir.resolve("node.properties"), List.of(lines));
    }

    /** The --print-config row of {@code key}: its value and where it came from. */
    private String row(String key) {
        return out.toString().lines().filter(l -> l.startsWith(key + " ")).findFirst().orElseThrow(() -> new AssertionError(key + " in\n" + out))
                .substring(key.length()).trim().replaceAll(" {2,}", " | ");
    }

    @Test
    void commandLineWinsOverTheFileAndTheFileOverTheDefaults() throws IOException {
        Path config = file("# a leader", "role=leader", "port=7100", "heartbeat-interval=200ms", "followers=127.0.0.1:7101,127.0.0.1:7102");
        assertEquals(ExitCodes.OK, run("node", "--config", config.toString(), "--port", "7200", "--print-config"), err.toString());
        assertEquals("leader | config file " + config, row("role"));
        assertEquals("7200 | command line", row("port"));
        assertEquals("200ms | config file " + config, row("heartbeat-interval"));
        assertEquals("127.0.0.1:7101,127.0.0.1:7102 | config file " + config, row("followers"));
        assertEquals("phi | default", row("failure-detector"));
        assertEquals("(not set) | default", row("name"));
        assertEquals("", err.toString());
    }

    @Test
    void topLevelOptionsComeFromTheFileOrFromAnywhereOnTheLine() throws IOException {
        Path config = file("role=follower", "port=7001", "log-format=json", "once=false");
        assertEquals(ExitCodes.OK, run("--verbose", "node", "--config", config.toString(), "--print-config"), err.toString());
        assertEquals("json | config file " + config, row("log-format"));
        assertEquals("true | command line", row("verbose"));
        assertEquals("false | config file " + config, row("once"));
    }

    @Test
    void flagSetFalseInTheFileIsNotGiven() throws IOException {
        // once applies to followers only; false in a leader's file asks for nothing, so it is no error.
        Path config = file("role=leader", "port=7000", "once=false");
        assertEquals(ExitCodes.OK, run("node", "--config", config.toString(), "--print-config"), err.toString());
    }

    @Test
    void everySettableOptionIsListedOnce() throws IOException {
        assertEquals(ExitCodes.OK, run("node", "--role", "follower", "--port", "7001", "--print-config"), err.toString());
        List<String> keys = out.toString().lines().skip(1).map(l -> l.split(" ")[0]).toList();
        assertEquals(keys.size(), keys.stream().distinct().count(), keys.toString());
        assertTrue(keys.containsAll(List.of("role", "port", "leader-timeout", "data-dir", "tls-cert", "log-format")), keys.toString());
        assertTrue(!keys.contains("config") && !keys.contains("print-config") && !keys.contains("help"), keys.toString());
    }

    @Test
    void unknownKeyIsAnErrorNamingTheKeyAndTheFile() throws IOException {
        Path config = file("role=follower", "port=7001", "heartbeat-intervall=1s");
        assertEquals(ExitCodes.USAGE, run("node", "--config", config.toString()));
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("repl: unknown key 'heartbeat-intervall' in config file " + config), err.toString());
    }

    @Test
    void missingFileIsOneLine() {
        Path config = dir.resolve("absent.properties");
        assertEquals(ExitCodes.USAGE, run("node", "--config=" + config, "--role", "follower", "--port", "7001"));
        assertTrue(err.toString().startsWith("repl: config file " + config + " does not exist"), err.toString());
    }

    @Test
    void optionThatDoesNothingIsRefusedFromTheFileToo() throws IOException {
        Path config = file("role=follower", "port=7001", "phi-threshold=12");
        assertEquals(ExitCodes.USAGE, run("node", "--config", config.toString()));
        assertTrue(err.toString().startsWith("repl: phi-threshold (config file " + config + ") applies to the leader only"), err.toString());
    }

    @Test
    void badValueInTheFileIsAUsageError() throws IOException {
        Path config = file("role=leader", "port=7000", "heartbeat-interval=fast");
        assertEquals(ExitCodes.USAGE, run("node", "--config", config.toString(), "--print-config"));
        assertTrue(err.toString().contains("heartbeat-interval"), err.toString());
    }
}
