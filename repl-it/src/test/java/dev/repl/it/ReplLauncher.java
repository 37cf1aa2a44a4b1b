package dev.repl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the packaged {@code ./repl} launcher as real processes, each test in a directory of its
 * own. After every test, passed or failed, it stops and reaps what it started, then asserts
 * that this JVM has no descendant process left and that no child reported a buffer leak.
 */
final class ReplLauncher implements BeforeEachCallback, AfterEachCallback {

    private static final Path LAUNCHER = Path.of(System.getProperty("repl.launcher", "../repl")).toAbsolutePath().normalize();
    private static final Path WORK = Path.of(System.getProperty("repl.work", "target/it-work")).toAbsolutePath();
    /** Children track every buffer, as the unit tests do; a leak they log fails the test. */
    private static final String CHILD_JVM_OPTS = "-Dio.netty.leakDetection.level=paranoid";

    private final List<ReplProcess> started = new ArrayList<>();
    private Path dir;
    private int count;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (!Files.isExecutable(LAUNCHER)) {
            fail(LAUNCHER + " is missing or not executable; build with mvn package first");
        }
        dir = WORK.resolve(context.getRequiredTestClass().getSimpleName()).resolve(context.getRequiredTestMethod().getName());
        // A test starts empty: data directories an earlier run left (a damaged log among them) are not its own.
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> leaks = new ArrayList<>();
        for (ReplProcess process : started) {
            process.stop();
            if (process.stderr().contains("LEAK:")) {
                leaks.add(process + ": " + process.stderr());
            }
        }
        started.clear();
        List<ProcessHandle> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
        left.forEach(ProcessHandle::destroyForcibly);
        assertEquals(List.of(), left.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList(),
                "processes left behind by the test");
        assertTrue(leaks.isEmpty(), "buffer leaks reported: " + leaks);
    }

    /**
     * Stops and reaps every process started so far (SIGTERM, then SIGKILL), before the end of the
     * test: for what must outlive the nodes but not the test, such as a file system they use. They
     * are still checked for leaks after the test.
     */
    void stopAll() {
        for (ReplProcess process : started) {
            process.stop();
        }
    }

    /** This test's own directory: the children's working directory, and a place for their files. */
    Path dir() {
        return dir;
    }

    /** Starts {@code ./repl args...} in the background. */
    ReplProcess start(String... args) {
        return startWith(List.of(), args);
    }

    /**
     * Starts {@code prefix... ./repl args...} in the background, for example inside a network
     * namespace with {@code ip netns exec NAME}. The prefix must exec the launcher, so the process
     * started is the node itself and signals reach it.
     */
    ReplProcess startWith(List<String> prefix, String... args) {
        List<String> command = new ArrayList<>(prefix);
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        return launch("repl " + String.join(" ", args), command, Map.of());
    }

    /**
     * Starts {@code repl args...} as a shell finds it with {@code bin} first on its PATH: an
     * installed release rather than this checkout's launcher.
     */
    ReplProcess startInstalled(Path bin, String... args) {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "exec repl \"$@\"", "repl"));
        command.addAll(List.of(args));
        return launch("installed repl " + String.join(" ", args), command,
                Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH")));
    }

    /** Runs an installed {@code repl args...} to completion, bounded by {@code atMost}. */
    ReplProcess runInstalled(Path bin, Duration atMost, String... args) {
        ReplProcess process = startInstalled(bin, args);
        process.awaitExit(atMost);
        return process;
    }

    private ReplProcess launch(String label, List<String> command, Map<String, String> environment) {
        int n = ++count;
        Path out = dir.resolve(n + ".stdout");
        Path err = dir.resolve(n + ".stderr");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().put("REPL_JAVA_OPTS", CHILD_JVM_OPTS);
        builder.environment().remove("REPL_LIB"); // only the checkout's ./repl sets it, for the release's launcher
        builder.environment().putAll(environment);
        try {
            ReplProcess process = new ReplProcess(label, builder.start(), out, err);
            started.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + label, e);
        }
    }

    /** Runs {@code ./repl args...} to completion, bounded by {@code atMost}. */
    ReplProcess run(Duration atMost, String... args) {
        ReplProcess process = start(args);
        process.awaitExit(atMost);
        return process;
    }

    /**
     * A loopback port free now and never handed out before by this JVM: the kernel may offer a
     * port again as soon as it is released, and two nodes of one test must not be given the same.
     */
    static synchronized int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    /** Fails with a clear message when a fixed port a test needs is taken. */
    static void requireFree(int... ports) {
        for (int port : ports) {
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            } catch (IOException e) {
                fail("this test needs port " + port + " on 127.0.0.1 free, but it is taken (" + e.getMessage() + ")");
            }
        }
    }
}
