package dev.repl.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** One launched {@code repl} process, with its stdout and stderr in files. */
final class ReplProcess {

    private final String label;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    ReplProcess(String label, Process process, Path stdout, Path stderr) {
        this.label = label;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    String stdout() {
        return read(stdout);
    }

    List<String> stdoutLines() {
        return stdout().lines().toList();
    }

    String stderr() {
        return read(stderr);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Resident set size in KiB, from /proc. */
    long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS for " + this);
    }

    /** The exit code of a process that has exited. */
    int exitCode() {
        return process.exitValue();
    }

    /** Waits until the process has exited and returns its exit code. */
    int awaitExit(Duration atMost) {
        await(label + " to exit").atMost(atMost).until(() -> !process.isAlive());
        return process.exitValue();
    }

    /** Waits until stderr (where nodes log) contains {@code fragment}. */
    ReplProcess awaitLog(String fragment, Duration atMost) {
        await(label + " to log '" + fragment + "'").atMost(atMost)
                .failFast(label + " exited early; stderr: " + stderr(), () -> !process.isAlive() && !stderr().contains(fragment))
                .until(() -> stderr().contains(fragment));
        return this;
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}) with kill(1). */
    void signal(String name) {
        try {
            int code = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
            if (code != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited with " + code);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL, then reap. */
    void kill() {
        process.destroyForcibly();
        reap();
    }

    /** Waits until stderr has a match for {@code regex}. */
    ReplProcess awaitLogMatching(String regex, Duration atMost) {
        Pattern pattern = Pattern.compile(regex);
        await(label + " to log /" + regex + "/").atMost(atMost).until(() -> pattern.matcher(stderr()).find());
        return this;
    }

    /** SIGTERM, then SIGKILL if it has not exited in time; always reaped. */
    void stop() {
        if (process.isAlive()) {
            process.destroy();
            if (!waitFor(Duration.ofSeconds(5))) {
                process.destroyForcibly();
            }
        }
        reap();
    }

    private void reap() {
        if (!waitFor(Duration.ofSeconds(10))) {
            throw new IllegalStateException(label + " (pid " + process.pid() + ") could not be reaped");
        }
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return label + " (pid " + process.pid() + ")";
    }
}
