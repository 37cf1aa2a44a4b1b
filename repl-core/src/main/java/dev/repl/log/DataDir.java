package dev.repl.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A node's data directory: {@code meta.json} (the cluster it belongs to, its current term and its
 * vote), {@code log/} (the segments) and {@code snapshots/}. A node holds a lock on it while it
 * runs, so two nodes never share one. Metadata is replaced atomically: written to a temporary
 * file, forced, renamed over the old one, and the directory forced.
 */
public final class DataDir implements AutoCloseable {

    /**
     * What a node keeps across restarts besides its log.
     *
     * @param clusterId   the cluster whose data this is; another cluster's node refuses the directory
     * @param currentTerm the latest term this node has seen
     * @param votedFor    whom it voted for in {@code currentTerm}, or null
     */
    public record Metadata(String clusterId, long currentTerm, String votedFor) {

        public Metadata {
            Objects.requireNonNull(clusterId, "clusterId");
            if (currentTerm < 0) {
                throw new IllegalArgumentException("term must not be negative, was " + currentTerm);
            }
        }

        public Metadata withTerm(long term) {
            return new Metadata(clusterId, term, term == currentTerm ? votedFor : null);
        }

        public Metadata withVote(long term, String candidate) {
            return new Metadata(clusterId, term, candidate);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String META = "meta.json";

    private final Path dir;
    private final Fsync fsync;
    private final FileChannel lockFile;
    private final FileLock lock;
    private volatile Metadata metadata;

    private DataDir(Path dir, Fsync fsync, FileChannel lockFile, FileLock lock, Metadata metadata) {
        this.dir = dir;
        this.fsync = fsync;
        this.lockFile = lockFile;
        this.lock = lock;
        this.metadata = metadata;
    }

    /**
     * Opens (creating if needed) and locks the directory of a node of {@code clusterId}.
     *
     * @param fsync how it, the log and the snapshots in it are made durable
     * @throws IllegalStateException naming the directory when another node uses it, or it belongs to another cluster
     */
    public static DataDir open(Path dir, String clusterId, Fsync fsync) throws IOException {
        // Each new directory forced into its parent: a segment or snapshot forced into a directory a
        // power loss then takes away would be lost with it.
        fsync.createDirectories(dir.resolve("log"));
        fsync.createDirectories(dir.resolve("snapshots"));
        FileChannel lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockFile.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockFile.close();
            throw new IllegalStateException("data dir " + dir + " is in use by another node");
        }
        try {
            Path meta = dir.resolve(META);
            Metadata metadata;
            if (Files.exists(meta)) {
                metadata = JSON.readValue(Files.readString(meta), Metadata.class);
                if (!metadata.clusterId().equals(clusterId)) {
                    throw new IllegalStateException("data dir " + dir + " belongs to cluster '" + metadata.clusterId() + "', not '" + clusterId
                            + "' (--cluster-id)");
                }
            } else {
                metadata = new Metadata(clusterId, 0, null);
                write(dir, metadata, fsync);
            }
            return new DataDir(dir, fsync, lockFile, lock, metadata);
        } catch (IOException | RuntimeException e) {
            lock.release();
            lockFile.close();
            throw e;
        }
    }

    public Path path() {
        return dir;
    }

    public Path logDir() {
        return dir.resolve("log");
    }

    public Path snapshotDir() {
        return dir.resolve("snapshots");
    }

    public Metadata metadata() {
        return metadata;
    }

    /** How everything in this directory is made durable. */
    public Fsync fsync() {
        return fsync;
    }

    /** Replaces the metadata durably. Blocks on disk: the log's writer thread calls it, in order with the log. */
    public void save(Metadata next) throws IOException {
        write(dir, next, fsync);
        metadata = next;
    }

    private static void write(Path dir, Metadata metadata, Fsync fsync) throws IOException {
        Path tmp = dir.resolve(META + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(JSON.writeValueAsString(metadata).getBytes(StandardCharsets.UTF_8)));
            fsync.file(tmp, out, true);
        }
        try {
            Files.move(tmp, dir.resolve(META), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(META), StandardCopyOption.REPLACE_EXISTING);
        }
        fsync.directory(dir);
    }

    @Override
    public void close() throws IOException {
        if (lock.isValid()) {
            lock.release();
        }
        lockFile.close();
    }
}
