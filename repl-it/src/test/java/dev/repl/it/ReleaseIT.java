package dev.repl.it;

import static dev.repl.it.Cluster.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.cli.ReplCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The release as an operator gets it: {@code repl-VERSION.tar.gz} unpacked into a directory
 * outside the checkout, its {@code bin} first on the PATH, and {@code repl} run from there.
 */
class ReleaseIT {

    private static final Path BUILD = Path.of("../repl-dist/target").toAbsolutePath().normalize();

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    /** Outside the checkout; JUnit removes it after the launcher's extension has stopped what the test started. */
    @TempDir
    Path unpacked;

    private Path home;

    @BeforeEach
    void unpack() throws Exception {
        Path tarball;
        try (Stream<Path> files = Files.list(BUILD)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().matches("repl-.+\\.tar\\.gz")).toList();
            assertEquals(1, found.size(), "one release tarball in " + BUILD + "; build with mvn package first: " + found);
            tarball = found.get(0);
        }
        Process tar = new ProcessBuilder("tar", "xzf", tarball.toString(), "-C", unpacked.toString()).inheritIO().start();
        assertEquals(0, tar.waitFor(), "tar xzf " + tarball);
        String name = tarball.getFileName().toString();
        home = unpacked.resolve(name.substring(0, name.length() - ".tar.gz".length()));
        assertTrue(Files.isDirectory(home), "the tarball unpacks into " + home.getFileName());
    }

    @Test
    void installedReleaseRunsVersionDemoAndHeartbeat() {
        Path bin = home.resolve("bin");
        for (String part : List.of("bin/repl", "lib/repl.jar", "completion/repl.bash", "man/man1/repl.1", "docs/design.md", "README.md")) {
            assertTrue(Files.exists(home.resolve(part)), part + " is in the release");
        }
        String version = home.getFileName().toString().substring("repl-".length());

        ReplProcess versionRun = repl.runInstalled(bin, START, "--version");
        assertEquals(0, versionRun.exitCode(), versionRun.stderr());
        assertEquals(List.of("repl " + version), versionRun.stdoutLines());
        // The first run records the class-data-sharing archive where the release was unpacked.
        assertTrue(Files.exists(home.resolve("lib/repl.jsa")), "bin/repl recorded lib/repl.jsa on its first run");

        ReplLauncher.requireFree(7000, 7001, 7002);
        ReplProcess demo = repl.runInstalled(bin, START, "demo");
        assertEquals(0, demo.exitCode(), demo.stderr());
        assertEquals("heartbeat: 2/2 followers responded", demo.stdoutLines().get(demo.stdoutLines().size() - 1), demo.stdout());

        int port = ReplLauncher.freePort();
        repl.startInstalled(bin, "node", "--role", "follower", "--port", Integer.toString(port), "--name", "installed")
                .awaitLog("listening on", START);
        ReplProcess check = repl.runInstalled(bin, START, "heartbeat", "--followers", "127.0.0.1:" + port);
        assertEquals(0, check.exitCode(), check.stderr());
        assertTrue(check.stdout().contains("heartbeat: 1/1 followers responded"), check.stdout());

        // The benchmarks below the API are in the shipped jar, found by repl bench at run time.
        ReplProcess bench = repl.runInstalled(bin, START, "bench", "--help");
        assertEquals(0, bench.exitCode(), bench.stderr());
        for (String name : List.of("rtt", "fanout", "detection", "tls", "kv", "catchup", "failover")) {
            assertTrue(bench.stdoutLines().stream().anyMatch(line -> line.startsWith("  " + name + " ")), name + " in " + bench.stdout());
        }
    }

    @Test
    void completionAndManPagesCoverEverySubcommand() throws IOException, InterruptedException {
        String completion = Files.readString(home.resolve("completion/repl.bash"));
        PrintWriter none = new PrintWriter(Writer.nullWriter());
        List<String> commands = new ArrayList<>();
        collect(ReplCli.create(none, none), commands);
        assertTrue(commands.containsAll(List.of("repl node", "repl bench kv", "repl bench rtt", "repl bench fanout", "repl bench detection", "repl bench tls")),
                "every subcommand, those repl bench finds at run time included: " + commands);
        for (String command : commands) {
            assertTrue(completion.contains("function _picocli_" + command.replace(' ', '_') + "()"), "completion for " + command);
            Path page = home.resolve("man/man1/" + command.replace(' ', '-') + ".1");
            assertTrue(Files.exists(page), "man page " + page.getFileName());
            assertTrue(Files.readString(page).contains(".TH \"" + command.replace(' ', '-').toUpperCase().replace("-", "\\-") + "\" \"1\""),
                    "troff for man(1) in " + page.getFileName());
        }
        assertTrue(!completion.contains("selftest"), "the build's hidden archive recorder is no user command");
        // The script loads in bash and registers itself for repl.
        Process bash = new ProcessBuilder("bash", "-c", "source " + home.resolve("completion/repl.bash") + " && complete -p repl")
                .redirectErrorStream(true).start();
        String registered = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, bash.waitFor(), registered);
        assertTrue(registered.contains("-F _complete_repl repl"), registered);
    }

    /** Every command a user can run, as its qualified name: {@code repl}, {@code repl node}, {@code repl bench rtt}, … */
    private static void collect(CommandLine command, List<String> into) {
        if (command.getCommandSpec().usageMessage().hidden()) {
            return;
        }
        into.add(command.getCommandSpec().qualifiedName());
        command.getSubcommands().values().forEach(sub -> collect(sub, into));
    }
}
