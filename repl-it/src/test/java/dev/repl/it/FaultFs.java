package dev.repl.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One mount of {@code scripts/faultfs.py}: a FUSE passthrough file system over a backing
 * directory that can be told to cut the power, fail fsyncs, run out of space or slow fsyncs
 * down (its docstring says exactly how). The daemon is a child process of this JVM; {@link
 * #close} unmounts it and reaps it.
 */
final class FaultFs implements AutoCloseable {

    static final Path SCRIPT = Path.of(System.getProperty("faultfs.script", "../scripts/faultfs.py")).toAbsolutePath().normalize();
    /** Debian's python3-fusepy is installed for the system's Python, which a PATH may not put first. */
    static final String PYTHON = System.getProperty("faultfs.python", "/usr/bin/python3");

    private final String name;
    private final Path mount;
    private final Path socket;
    private final Path log;
    private final Process process;

    private FaultFs(String name, Path mount, Path socket, Path log, Process process) {
        this.name = name;
        this.mount = mount;
        this.socket = socket;
        this.log = log;
        this.process = process;
    }

    /**
     * Mounts a fresh faultfs at {@code dir/mnt} over {@code dir/backing}, its control socket in
     * {@code socketDir} (a socket's path must be short), and waits until it answers.
     */
    static FaultFs mount(String name, Path dir, Path socketDir) {
        try {
            Path backing = Files.createDirectories(dir.resolve("backing"));
            Path mount = Files.createDirectories(dir.resolve("mnt"));
            Path socket = socketDir.resolve(name + ".sock");
            Path log = dir.resolve("faultfs.log");
            Process process = new ProcessBuilder(PYTHON, SCRIPT.toString(), backing.toString(), mount.toString(), "--control", socket.toString())
                    .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            FaultFs fs = new FaultFs(name, mount, socket, log, process);
            await("faultfs " + name + " to mount").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .failFast("faultfs " + name + " exited: " + fs.log(), () -> !process.isAlive())
                    .ignoreExceptions()
                    .until(() -> fs.command("status").startsWith("ok"));
            return fs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mount faultfs " + name, e);
        }
    }

    /** The mount point: what the member uses as its data directory. */
    Path mount() {
        return mount;
    }

    String name() {
        return name;
    }

    /** Sends one control command and returns the answer; fails unless it starts with "ok". */
    String command(String line) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            StringBuilder answer = new StringBuilder();
            while (answer.indexOf("\n") < 0 && channel.read(buffer) > 0) {
                buffer.flip();
                answer.append(StandardCharsets.UTF_8.decode(buffer));
                buffer.clear();
            }
            String text = answer.toString().strip();
            if (!text.startsWith("ok")) {
                throw new IllegalStateException("faultfs " + name + ": " + line + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("faultfs " + name + ": " + line, e);
        }
    }

    /** Every fsync, fdatasync and directory fsync fails with EIO from now on. */
    String failFsync() {
        return command("fsync-fail /");
    }

    /** Every write and size extension fails with ENOSPC from now on. */
    String fillDisk() {
        return command("disk-full /");
    }

    /** Every fsync takes {@code millis} longer from now on. */
    String slowFsync(long millis) {
        return command("slow-fsync " + millis + " /");
    }

    /** Clears every fault. */
    String heal() {
        return command("heal");
    }

    /** The instant the power goes: no fsync completes from now on (each fails with EIO and makes nothing durable). */
    String powerOff() {
        return command("power-off");
    }

    /**
     * Loses what was not fsynced, the unsynced pages torn as {@code seed} draws them; run with no
     * process using the mount. Returns faultfs's account of what it undid.
     */
    String powerCut(long seed) {
        return command("power-cut " + seed);
    }

    /** What the daemon logged: each command and its answer. */
    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Unmounts (lazily if busy) and reaps the daemon; returns what went wrong, or null. */
    String unmount() {
        String problem = null;
        if (process.isAlive()) {
            if (run("umount", mount.toString()) != 0 && run("umount", "-l", mount.toString()) != 0) {
                problem = "faultfs " + name + ": umount " + mount + " failed";
            }
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                problem = "faultfs " + name + " did not exit after its unmount; killed";
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                run("umount", "-l", mount.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // a stale socket is replaced by the next mount
        }
        return problem;
    }

    @Override
    public void close() {
        String problem = unmount();
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    /** Runs a command to completion (30 s at most) with its output inherited, and returns its exit code. */
    static int run(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).redirectOutput(Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public String toString() {
        return "faultfs " + name + " at " + mount;
    }
}
