package dev.repl.cli;

import dev.repl.api.Peer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A follower in its own OS process, started from this same launcher in {@code --once} mode.
 * Its stdout is collected for the parent to print in order; its stderr (logs) passes through.
 * However it ends, {@link #stop} leaves no process behind.
 */
public final class FollowerProcess {

    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private final Peer follower;
    private final Process process;
    private final List<String> output = new ArrayList<>();
    private final Thread drainer;

    private FollowerProcess(Peer follower, Process process) {
        this.follower = follower;
        this.process = process;
        this.drainer = new Thread(this::drain, follower.name() + "-stdout");
        this.drainer.setDaemon(true);
        this.drainer.start();
    }

    /**
     * A follower in its own process, with {@code extraArgs} and the parent's {@code inherited} options
     * (--verbose, --log-format) on its {@code repl node} command line, logging at the parent's level:
     * the demo's followers are as quiet as the demo. It exits by itself when this process dies,
     * however it dies.
     */
    static FollowerProcess start(Peer follower, List<String> inherited, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("node", "--role", "follower", "--until-stdin-closes",
                "--host", follower.address().host(),
                "--port", Integer.toString(follower.address().port()),
                "--name", follower.name()));
        args.addAll(List.of(extraArgs));
        args.addAll(inherited);
        List<String> jvm = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-D" + Logging.LEVEL_PROPERTY + "=" + Logging.level());
        return launch(follower, jvm, args, Redirect.INHERIT);
    }

    /**
     * Any {@code repl} command line in a child process of this launcher, named {@code label}. The
     * command must end when its standard input does, as {@code repl node --until-stdin-closes} does.
     */
    public static FollowerProcess launch(Peer label, List<String> replArgs) {
        // The children are short-lived: start fast.
        return launch(label, List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), replArgs, Redirect.INHERIT);
    }

    /**
     * The same with the child's own JVM options, and its stderr (its log) sent to {@code log}.
     * It inherits this JVM's Netty settings (leak detection in tests).
     */
    public static FollowerProcess launch(Peer label, List<String> jvmOptions, List<String> replArgs, Redirect log) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(jvmOptions);
        for (Map.Entry<Object, Object> property : System.getProperties().entrySet()) {
            String key = property.getKey().toString();
            if (key.startsWith("io.netty.")) {
                command.add("-D" + key + "=" + property.getValue());
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(replArgs);
        try {
            // stdin stays a pipe this process holds open: when it dies, however, the child sees EOF and exits.
            Process process = new ProcessBuilder(command)
                    .redirectError(log)
                    .start();
            return new FollowerProcess(label, process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + label.name() + ": " + e.getMessage(), e);
        }
    }

    /** Waits until the process prints a line starting with {@code prefix}, or exits, or {@code timeout} passes. */
    public boolean awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            while (output.stream().noneMatch(line -> line.startsWith(prefix))) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive()) {
                    return false;
                }
                output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            return true;
        }
    }

    public Peer follower() {
        return follower;
    }

    public long pid() {
        return process.pid();
    }

    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /**
     * Waits up to {@code timeout} for the process to exit by itself, then stops it.
     *
     * @return the lines it printed on stdout
     */
    List<String> awaitOutput(Duration timeout) throws InterruptedException {
        process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        stop();
        drainer.join(KILL_WAIT.toMillis());
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    /** SIGKILL, and reap. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Kills the process if it still runs and waits, bounded, until it is reaped. */
    public void stop() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void drain() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), Charset.defaultCharset()))) {
            for (String line; (line = reader.readLine()) != null; ) {
                synchronized (output) {
                    output.add(line);
                    output.notifyAll();
                }
            }
        } catch (IOException e) {
            // The process was killed mid-line; what was read is kept.
        } finally {
            synchronized (output) {
                output.notifyAll(); // no more lines: wake anyone waiting for one
            }
        }
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
