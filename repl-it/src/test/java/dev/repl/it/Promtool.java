package dev.repl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Prometheus's own checker of the text format (Debian package {@code prometheus}): required with CI set, skipped elsewhere. */
final class Promtool {

    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    private Promtool() {
    }

    static void assertAccepts(String metrics) throws IOException, InterruptedException {
        requirePromtool();
        Process check = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = check.getOutputStream()) {
            in.write(metrics.getBytes(StandardCharsets.UTF_8));
        }
        String verdict = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(30, TimeUnit.SECONDS), "promtool finished");
        assertEquals(0, check.exitValue(), verdict);
    }

    /** Runs {@code promtool args...} in {@code dir} and asserts it succeeds, with its output as the message. */
    static void assertPasses(Path dir, String... args) throws IOException, InterruptedException {
        requirePromtool();
        String[] command = new String[args.length + 1];
        command[0] = PROMTOOL.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process run = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String verdict = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(30, TimeUnit.SECONDS), "promtool finished");
        assertEquals(0, run.exitValue(), "promtool " + String.join(" ", args) + ":\n" + verdict);
    }

    private static void requirePromtool() {
        if (System.getenv("CI") != null) {
            assertTrue(Files.isExecutable(PROMTOOL), "CI must have promtool (Debian package prometheus); .ci/run installs it");
        }
        assumeTrue(Files.isExecutable(PROMTOOL), "promtool is not installed (apt-get install prometheus); skipping its check");
    }
}
