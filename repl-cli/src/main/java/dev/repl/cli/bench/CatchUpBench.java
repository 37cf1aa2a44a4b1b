package dev.repl.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.repl.cli.CommandFailedException;
import dev.repl.cli.ExitCodes;
import dev.repl.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code repl bench catchup}: how fast a follower that is far behind catches up, against what
 * the disk and the loopback network can carry, measured in the same run. A leader and one
 * follower take writes until the leader's log holds {@code --mib}; then a second follower starts
 * on an empty data directory and is sent all of it as log records (snapshots are off, so it is
 * the log that ships).
 */
@Command(name = "catchup",
        header = "Measure a follower catching up a large log.",
        mixinStandardHelpOptions = true,
        description = {
            "Fills a leader's log with --mib MiB through a quorum of two, starts a third node on an empty data directory,",
            "and times its catch-up against the disk's sequential write speed and the loopback network's, measured in the same run."})
public final class CatchUpBench implements Callable<Integer> {

    @Option(names = "--mib", defaultValue = "1024", description = "How far behind the new follower starts, in MiB of log. Default: ${DEFAULT-VALUE}.")
    long mib;

    @Option(names = "--value-bytes", defaultValue = "65536", description = "Size of each value written. Default: ${DEFAULT-VALUE}.")
    int valueBytes;

    @Option(names = "--clients", defaultValue = "8", description = "Writers filling the log. Default: ${DEFAULT-VALUE}.")
    int clients;

    @Option(names = "--dir", description = "Where the data directories go (the disk measured); kept afterwards. Default: a temporary directory, removed.")
    Path dir;

    @Option(names = "--json", description = "Print the results as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    private static final int CHUNK = 1 << 20;
    /** A replication frame's default size: what a follower writes and forces at a time when far behind. */
    private static final int FORCE_EVERY = 4 << 20;
    private static final long WAIT_NANOS = 30L * 60 * 1_000_000_000L;

    @Override
    public Integer call() throws Exception {
        if (mib < 1 || valueBytes < 1 || clients < 1) {
            throw new ParameterException(spec.commandLine(), "--mib, --value-bytes and --clients must be at least 1");
        }
        PrintWriter err = spec.commandLine().getErr();
        Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("repl-bench-catchup");
        long target = mib << 20;
        Map<String, Object> result = new LinkedHashMap<>();
        try (ReplKvCluster cluster = new ReplKvCluster(root.resolve("repl"), List.of("--snapshot-every", "0"), err)) {
            cluster.start(1);
            cluster.start(0);
            cluster.awaitWritable();
            err.printf("catchup: filling the leader's log to %d MiB%n", mib);
            err.flush();
            AtomicBoolean full = new AtomicBoolean();
            Thread watcher = new Thread(() -> {
                try {
                    while (!full.get()) {
                        full.set(cluster.status().path("log").path("sizeBytes").asLong() >= target);
                        Thread.sleep(200); // a bench's pacing while the writers fill the log
                    }
                } catch (IOException | InterruptedException e) {
                    full.set(true);
                }
            }, "catchup-watcher");
            watcher.start();
            // A few keys per writer: the store stays small, so only the log grows.
            KvLoad.Phase fill = new KvLoad(cluster, valueBytes, 16).runUntil(clients, full::get);
            watcher.join();
            JsonNode log = cluster.status().path("log");
            long bytes = log.path("sizeBytes").asLong();
            long last = log.path("lastIndex").asLong();
            err.printf(Locale.ROOT, "catchup: log at %.0f MiB, %d entries, filled at %.0f MiB/s%n", bytes / 1048576.0, last,
                    bytes / 1048576.0 / fill.seconds());

            double diskMibs = diskFloor(root.resolve("disk-floor"), bytes);
            err.printf(Locale.ROOT, "catchup: disk floor %.0f MiB/s (sequential 1 MiB writes, fdatasync at the end)%n", diskMibs);
            double netMibs = loopbackFloor(bytes, null);
            err.printf(Locale.ROOT, "catchup: loopback floor %.0f MiB/s (one TCP connection, 1 MiB writes)%n", netMibs);
            double pathMibs = loopbackFloor(bytes, root.resolve("path-floor"));
            err.printf(Locale.ROOT, "catchup: loopback-to-disk floor %.0f MiB/s (the same, each 4 MiB received written and forced)%n", pathMibs);
            err.flush();

            long started = System.nanoTime();
            cluster.start(2);
            long firstAppend = -1;
            long nextProgress = started + 1_000_000_000L;
            long caughtUp = -1;
            while (System.nanoTime() - started < WAIT_NANOS) {
                JsonNode follower = replicationOf(cluster.status(), ReplKvCluster.name(2));
                long match = follower.path("matchIndex").asLong();
                if (firstAppend < 0 && match > 0) {
                    firstAppend = System.nanoTime();
                }
                if (System.nanoTime() >= nextProgress) {
                    nextProgress += 1_000_000_000L;
                    err.printf(Locale.ROOT, "catchup: %.1f s after the start: index %d of %d%n", (System.nanoTime() - started) / 1e9, match, last);
                    err.flush();
                }
                if (match >= last && follower.path("lagRecords").asLong(-1) == 0) {
                    caughtUp = System.nanoTime();
                    break;
                }
                Thread.sleep(20); // polling the leader's view of the new follower
            }
            if (caughtUp < 0) {
                throw new CommandFailedException("the new follower did not catch up within 30 minutes; logs in " + root);
            }
            double seconds = (caughtUp - firstAppend) / 1e9;
            double mibs = bytes / 1048576.0 / seconds;
            result.put("logBytes", bytes);
            result.put("entries", last);
            result.put("startToFirstAppendSeconds", round((firstAppend - started) / 1e9));
            result.put("catchUpSeconds", round(seconds));
            result.put("catchUpMiBPerSecond", round(mibs));
            result.put("diskFloorMiBPerSecond", round(diskMibs));
            result.put("loopbackFloorMiBPerSecond", round(netMibs));
            result.put("loopbackToDiskFloorMiBPerSecond", round(pathMibs));
            result.put("ratioToLowerFloor", round(mibs / Math.min(diskMibs, netMibs)));
            result.put("ratioToLoopbackToDisk", round(mibs / pathMibs));
        } finally {
            if (dir == null) {
                BenchFiles.deleteTree(root);
            }
        }
        print(spec.commandLine().getOut(), result);
        return ExitCodes.OK;
    }

    private static JsonNode replicationOf(JsonNode status, String follower) {
        for (JsonNode f : status.path("followers")) {
            if (f.path("name").asText().equals(follower)) {
                return f.path("replication");
            }
        }
        return MissingNode.getInstance();
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

    /** MiB/s of writing {@code bytes} to a new file in 1 MiB writes and making them durable: what a follower's disk can take. */
    private static double diskFloor(Path file, long bytes) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        long start = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long done = 0; done < bytes; done += chunk.limit()) {
                chunk.clear().limit((int) Math.min(CHUNK, bytes - done));
                while (chunk.hasRemaining()) {
                    ch.write(chunk);
                }
            }
            ch.force(false);
        } finally {
            Files.deleteIfExists(file);
        }
        return bytes / 1048576.0 / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * MiB/s of sending {@code bytes} over one loopback TCP connection between two threads of this
     * process; with {@code sink}, the receiving thread also writes what it reads to that file,
     * forcing it every {@link #FORCE_EVERY} bytes, as a follower does (the network and the disk at once, on the same CPUs).
     */
    private static double loopbackFloor(long bytes, Path sink) throws IOException, InterruptedException {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Thread reader = new Thread(() -> {
                try (SocketChannel in = server.accept();
                     FileChannel file = sink == null ? null : FileChannel.open(sink, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.allocateDirect(FORCE_EVERY);
                    for (long got = 0; got < bytes; ) {
                        buf.clear();
                        while (buf.hasRemaining() && got + buf.position() < bytes) {
                            if (in.read(buf) < 0) {
                                return;
                            }
                        }
                        got += buf.position();
                        if (file != null) {
                            buf.flip();
                            while (buf.hasRemaining()) {
                                file.write(buf);
                            }
                            file.force(false);
                        }
                    }
                } catch (IOException e) {
                    // the writer sees the connection fail too
                } finally {
                    if (sink != null) {
                        try {
                            Files.deleteIfExists(sink);
                        } catch (IOException e) {
                            // a temporary file under the bench's directory: removed with it
                        }
                    }
                }
            }, "catchup-loopback-reader");
            reader.start();
            long start = System.nanoTime();
            try (SocketChannel out = SocketChannel.open(server.getLocalAddress())) {
                ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
                for (long sent = 0; sent < bytes; sent += chunk.limit()) {
                    // Exactly the bytes the reader waits for: it closes after them, and more would be reset.
                    chunk.clear().limit((int) Math.min(CHUNK, bytes - sent));
                    while (chunk.hasRemaining()) {
                        out.write(chunk);
                    }
                }
            }
            reader.join();
            return bytes / 1048576.0 / ((System.nanoTime() - start) / 1e9);
        }
    }

    private void print(PrintWriter out, Map<String, Object> r) {
        if (json) {
            out.print(Json.line(r));
        } else {
            out.printf(Locale.ROOT, "log behind           %10.0f MiB (%d entries)%n", ((Long) r.get("logBytes")) / 1048576.0, r.get("entries"));
            out.printf(Locale.ROOT, "start to first append %9.2f s%n", r.get("startToFirstAppendSeconds"));
            out.printf(Locale.ROOT, "catch-up             %10.2f s, %.0f MiB/s%n", r.get("catchUpSeconds"), r.get("catchUpMiBPerSecond"));
            out.printf(Locale.ROOT, "disk floor           %10.0f MiB/s%n", r.get("diskFloorMiBPerSecond"));
            out.printf(Locale.ROOT, "loopback floor       %10.0f MiB/s%n", r.get("loopbackFloorMiBPerSecond"));
            out.printf(Locale.ROOT, "loopback-to-disk floor %8.0f MiB/s%n", r.get("loopbackToDiskFloorMiBPerSecond"));
            out.printf(Locale.ROOT, "catch-up / lower of disk and loopback %6.2f%n", r.get("ratioToLowerFloor"));
            out.printf(Locale.ROOT, "catch-up / loopback-to-disk %13.2f%n", r.get("ratioToLoopbackToDisk"));
        }
        out.flush();
    }
}
