package dev.repl.log;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's data directory: {@code meta.json} (the cluster and the member it belongs to, its
 * current term and its vote), {@code log/} (the segments) and {@code snapshots/}. A node holds a
 * lock on it while it runs, so two nodes never share one. Metadata is replaced atomically:
 * written to a temporary file, forced, renamed over the old one, and the directory forced.
 */
public final class DataDir implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DataDir.class);

    /**
     * What a node keeps across restarts besides its log.
     *
     * @param clusterId   the cluster whose data this is; another cluster's node refuses the directory
     * @param member      the member whose data this is (its {@code --id}, or a fixed role's {@code --name}); another
     *                    member refuses the directory. Null only as read from a directory written before it was recorded
     * @param currentTerm the latest term this node has seen
     * @param votedFor    whom it voted for in {@code currentTerm}, or null
     * @param withheld    records this member may have acknowledged were lost, and until when it may
     *                    not vote or stand; null when none were
     */
    public record Metadata(String clusterId, String member, long currentTerm, String votedFor, VotesWithheld withheld) {

        public Metadata(String clusterId, String member, long currentTerm, String votedFor) {
            this(clusterId, member, currentTerm, votedFor, null);
        }

        public Metadata {
            Objects.requireNonNull(clusterId, "clusterId");
            if (currentTerm < 0) {
                throw new IllegalArgumentException("term must not be negative, was " + currentTerm);
            }
        }

        public Metadata withTerm(long term) {
            return new Metadata(clusterId, member, term, term == currentTerm ? votedFor : null, withheld);
        }

        public Metadata withVote(long term, String candidate) {
            return new Metadata(clusterId, member, term, candidate, withheld);
        }

        /** Forgets votes withheld once: the log has caught up since. */
        public Metadata withoutVotesWithheld() {
            return new Metadata(clusterId, member, currentTerm, votedFor, null);
        }

        /**
         * Records that this member, in {@link #currentTerm}, lost records it may have acknowledged, up
         * to index {@code upTo} at most ({@link Long#MAX_VALUE} when unknown).
         */
        public Metadata withVotesWithheld(long upTo) {
            VotesWithheld lost = new VotesWithheld(currentTerm, upTo);
            return new Metadata(clusterId, member, currentTerm, votedFor, withheld == null ? lost : withheld.and(lost));
        }
    }

    /**
     * A member lost records it may have acknowledged: it votes and stands again once its log holds
     * an entry of a term after {@code throughTerm}, or reaches {@code untilIndex} (see {@code Election.withholdVotes}).
     */
    public record VotesWithheld(long throughTerm, long untilIndex) {

        /** Whether a log that ends at {@code lastIndex}, of {@code lastTerm}, has caught up: votes may be given again. */
        public boolean liftedBy(long lastIndex, long lastTerm) {
            return lastTerm > throughTerm || lastIndex >= untilIndex;
        }

        /** Both losses: the later term, the higher index. */
        VotesWithheld and(VotesWithheld other) {
            return new VotesWithheld(Math.max(throughTerm, other.throughTerm), Math.max(untilIndex, other.untilIndex));
        }
    }

    /** The directory is another member's (a copy of it, most likely): its term, vote and log are not this member's. */
    public static final class OtherMemberException extends IllegalStateException {
        public OtherMemberException(String message) {
            super(message);
        }
    }

    /**
     * {@code meta.json} as it lies on disk: the metadata and a CRC32C of it, so a flipped bit
     * (a term one lower, another vote) is refused instead of believed. A file without a checksum
     * was written before it was recorded, and is taken as it is.
     */
    private record Stored(String clusterId, String member, long currentTerm, String votedFor, VotesWithheld withheld, Integer logFormat,
                          Long checksum) {

        static Stored of(Metadata m) {
            return new Stored(m.clusterId(), m.member(), m.currentTerm(), m.votedFor(), m.withheld(), LOG_FORMAT, checksum(m));
        }

        Metadata metadata() {
            return new Metadata(clusterId, member, currentTerm, votedFor, withheld);
        }

        static long checksum(Metadata m) {
            CRC32C crc = new CRC32C();
            VotesWithheld w = m.withheld();
            crc.update((m.clusterId() + "\n" + m.member() + "\n" + m.currentTerm() + "\n" + m.votedFor() + "\n"
                    + (w == null ? "" : w.throughTerm() + "/" + w.untilIndex()))
                    .getBytes(StandardCharsets.UTF_8));
            return crc.getValue();
        }
    }

    /**
     * The layout of the log's records this version writes and reads ({@link RecordCodec}): 2 since
     * records carry the index their log had forced. A {@code meta.json} without it is older.
     */
    static final int LOG_FORMAT = 2;

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
     * Opens (creating if needed) and locks the directory of {@code member} of {@code clusterId}. A
     * directory written before members were recorded is taken as this member's.
     *
     * @param fsync how it, the log and the snapshots in it are made durable
     * @throws IllegalStateException naming the directory when another node uses it, or it belongs to another cluster
     * @throws OtherMemberException naming both when it belongs to another member
     */
    public static DataDir open(Path dir, String clusterId, String member, Fsync fsync) throws IOException {
        Objects.requireNonNull(member, "member");
        // Each new directory forced into its parent: a segment or snapshot forced into a directory a
        // power loss then takes away would be lost with it.
        fsync.createDirectories(dir);
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
                Stored stored = read(meta);
                metadata = stored.metadata();
                if (!metadata.clusterId().equals(clusterId)) {
                    throw new IllegalStateException("data dir " + dir + " belongs to cluster '" + metadata.clusterId() + "', not '" + clusterId
                            + "' (--cluster-id)");
                }
                if (metadata.member() != null && !metadata.member().equals(member)) {
                    throw new OtherMemberException("data dir " + dir + " belongs to member '" + metadata.member() + "', not '" + member + "'");
                }
                if (!Objects.equals(stored.logFormat(), LOG_FORMAT)) {
                    checkNoLogOfAnotherFormat(dir, stored.logFormat());
                }
                if (metadata.member() == null) {
                    metadata = new Metadata(metadata.clusterId(), member, metadata.currentTerm(), metadata.votedFor(), metadata.withheld());
                    log.info("data dir {}: recorded as member '{}' (it was written before members were)", dir, member);
                }
                if (!Files.exists(dir.resolve("log"))) {
                    // log/ is created, durably, before meta.json: a meta.json without it is an operator's doing,
                    // and recorded before log/ is made again, so that no later start can take the empty log for its own.
                    metadata = metadata.withVotesWithheld(Long.MAX_VALUE);
                    log.warn("data dir {}: its log was removed and its meta.json kept: records this member may have acknowledged are"
                            + " lost; it votes and stands again once a leader of a term after {} has replicated to it", dir, metadata.currentTerm());
                }
                if (!metadata.equals(stored.metadata()) || !Objects.equals(stored.logFormat(), LOG_FORMAT) || stored.checksum() == null) {
                    write(dir, metadata, fsync);
                }
                fsync.createDirectories(dir.resolve("log"));
                fsync.createDirectories(dir.resolve("snapshots"));
            } else {
                fsync.createDirectories(dir.resolve("log"));
                fsync.createDirectories(dir.resolve("snapshots"));
                metadata = new Metadata(clusterId, member, 0, null);
                write(dir, metadata, fsync);
            }
            return new DataDir(dir, fsync, lockFile, lock, metadata);
        } catch (IOException | RuntimeException e) {
            lock.release();
            lockFile.close();
            throw e;
        }
    }

    private static void checkNoLogOfAnotherFormat(Path dir, Integer format) throws IOException {
        if (!Files.isDirectory(dir.resolve("log"))) {
            return;
        }
        boolean segments;
        try (Stream<Path> listing = Files.list(dir.resolve("log"))) {
            segments = listing.anyMatch(f -> Segment.firstIndexOf(f) >= 0);
        }
        if (segments) {
            throw new IllegalStateException("data dir " + dir + " holds a log in " + (format == null ? "the format of an earlier version"
                    : "format " + format) + ", which this version (format " + LOG_FORMAT + ") can neither read nor convert: keep the"
                    + " version that wrote it on it, or start this one on new data directories, a whole cluster at once");
        }
    }

    private static Stored read(Path meta) throws IOException {
        Stored stored;
        try {
            stored = JSON.readValue(Files.readAllBytes(meta), Stored.class);
        } catch (JsonProcessingException e) {
            throw new LogCorruptException(meta + " is corrupt at offset " + e.getLocation().getByteOffset() + ": " + e.getOriginalMessage());
        }
        Metadata metadata;
        try {
            metadata = stored.metadata();
        } catch (RuntimeException e) {
            throw new LogCorruptException(meta + " is corrupt: " + e.getMessage());
        }
        // A checksum is missing only from a file written before it was recorded, or edited on purpose
        // (a field whose name a flipped bit changed is refused as unknown): taken as it is.
        if (stored.checksum() != null && stored.checksum() != Stored.checksum(metadata)) {
            throw new LogCorruptException(meta + " is corrupt: checksum mismatch (it says term " + metadata.currentTerm() + ", vote "
                    + metadata.votedFor() + ", and cannot be believed)");
        }
        return stored;
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
            out.write(ByteBuffer.wrap(JSON.writeValueAsBytes(Stored.of(metadata))));
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
