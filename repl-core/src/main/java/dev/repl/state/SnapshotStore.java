package dev.repl.state;

import dev.repl.log.Fsync;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots of the state machine in {@code snapshots/}, one file each, named by the last index
 * and term they hold. A file is a 40-byte header — magic {@code RSNP}, index, term, the log
 * digest at that index, the CRC32C and length of the body — and the state machine's own bytes.
 * It is written to a temporary file, forced and renamed, so a snapshot on disk is whole; the
 * newest valid one is used and the older ones are deleted once a newer one is in place. A
 * snapshot received from a leader arrives the same way, chunk by chunk, and is checked before
 * it is renamed; one that arrives damaged is deleted and refused, for the leader to send again.
 */
public final class SnapshotStore {

    private static final Logger log = LoggerFactory.getLogger(SnapshotStore.class);

    public static final int HEADER_BYTES = 40;
    private static final int MAGIC = 0x52534e50; // RSNP
    private static final Pattern NAME = Pattern.compile("(\\d{20})-(\\d{20})\\.snap");
    private static final String INCOMING = "incoming.tmp";

    /**
     * A snapshot file's bytes are not a whole snapshot (cut short, a checksum mismatch), or not
     * the one announced: what was written or sent is wrong, not the disk that read it.
     */
    public static final class DamagedSnapshotException extends IOException {
        public DamagedSnapshotException(String message) {
            super(message);
        }
    }

    /** A whole snapshot on disk. */
    public record Snapshot(long index, long term, long digest, long bodyBytes, Path file) {

        /** The file's size: header and body. */
        public long size() {
            return HEADER_BYTES + bodyBytes;
        }

        /** The state machine's bytes. */
        public InputStream body() throws IOException {
            InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
            in.skipNBytes(HEADER_BYTES);
            return in;
        }
    }

    private final Path dir;
    private final Fsync fsync;
    private final AtomicLong rejected = new AtomicLong();

    /** @param fsync how the snapshots are made durable: the data directory's */
    public SnapshotStore(Path dir, Fsync fsync) {
        this.dir = dir;
        this.fsync = fsync;
    }

    /** The newest whole snapshot, checksum verified; damaged ones are skipped with a warning. */
    public Optional<Snapshot> latest() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(f -> NAME.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparing((Path f) -> f.getFileName().toString()).reversed()).toList();
        }
        for (Path file : files) {
            try {
                return Optional.of(verify(file));
            } catch (IOException e) {
                log.warn("snapshot {} is damaged ({}); trying an older one", file, e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The newest snapshot after {@code index} that is damaged, as "file is corrupt: why", or empty when there is none. */
    public Optional<String> damagedAfter(long index) throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(f -> {
                Matcher m = NAME.matcher(f.getFileName().toString());
                return m.matches() && Long.parseLong(m.group(1)) > index;
            }).sorted(Comparator.comparing((Path f) -> f.getFileName().toString()).reversed()).toList();
        }
        for (Path file : files) {
            try {
                verify(file);
            } catch (IOException e) {
                return Optional.of(file + " is corrupt: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Reads and checks a snapshot file whole.
     *
     * @throws DamagedSnapshotException when its bytes are not a whole snapshot; any other IOException is the disk's
     */
    public static Snapshot verify(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            while (header.hasRemaining() && in.read(header) >= 0) {
                // fill
            }
            header.flip();
            if (header.remaining() < HEADER_BYTES || header.getInt() != MAGIC) {
                throw new DamagedSnapshotException("not a snapshot");
            }
            long index = header.getLong();
            long term = header.getLong();
            long digest = header.getLong();
            int crc = header.getInt();
            long bodyBytes = header.getLong();
            if (in.size() != HEADER_BYTES + bodyBytes) {
                throw new DamagedSnapshotException("length " + in.size() + " where the header says " + (HEADER_BYTES + bodyBytes));
            }
            CRC32C check = new CRC32C();
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            while (in.read(chunk) > 0) {
                chunk.flip();
                check.update(chunk);
                chunk.clear();
            }
            if ((int) check.getValue() != crc) {
                throw new DamagedSnapshotException("checksum mismatch");
            }
            return new Snapshot(index, term, digest, bodyBytes, file);
        }
    }

    /** Writes what {@code body} writes as the snapshot at {@code index}; older snapshots are then deleted. */
    public Snapshot write(long index, long term, long digest, Body body) throws IOException {
        Path tmp = dir.resolve("writing.tmp");
        long bodyBytes;
        int crc;
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            out.position(HEADER_BYTES);
            CRC32C check = new CRC32C();
            CountingStream counted = new CountingStream(new CheckedOutputStream(
                    new BufferedOutputStream(Channels.newOutputStream(out), 64 * 1024), check));
            body.write(counted);
            counted.flush();
            bodyBytes = counted.count;
            crc = (int) check.getValue();
            out.write(header(index, term, digest, crc, bodyBytes), 0);
            fsync.file(tmp, out, true);
        }
        return install(tmp, index, term);
    }

    /** Writes the state machine's bytes. */
    @FunctionalInterface
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    private static ByteBuffer header(long index, long term, long digest, int crc, long bodyBytes) {
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).putInt(MAGIC).putLong(index).putLong(term).putLong(digest).putInt(crc).putLong(bodyBytes);
        h.flip();
        return h;
    }

    /** Where a snapshot being received is written, chunk by chunk, before {@link #acceptIncoming}. */
    public Path incoming() {
        return dir.resolve(INCOMING);
    }

    /** Forces what was received into {@link #incoming} so far, before {@link #acceptIncoming}. */
    public void forceIncoming(FileChannel channel) throws IOException {
        fsync.file(incoming(), channel, true);
    }

    /**
     * Checks a received snapshot and puts it in place. A damaged one — cut short, a checksum
     * mismatch, not the snapshot announced — is the sender's or the network's fault, not this
     * disk's: it is deleted and refused with a {@link DamagedSnapshotException}, to be sent again.
     * Any other IOException is this disk's.
     */
    public Snapshot acceptIncoming(long index, long term) throws IOException {
        try {
            Snapshot received = verify(incoming());
            if (received.index() != index || received.term() != term) {
                throw new DamagedSnapshotException("it holds index " + received.index() + " term " + received.term() + ", not the index "
                        + index + " term " + term + " announced");
            }
        } catch (DamagedSnapshotException e) {
            Files.deleteIfExists(incoming());
            rejected.incrementAndGet();
            throw e;
        }
        return install(incoming(), index, term);
    }

    /** Snapshots received damaged and refused since the node started. */
    public long rejected() {
        return rejected.get();
    }

    private synchronized Snapshot install(Path tmp, long index, long term) throws IOException {
        Path file = dir.resolve(String.format("%020d-%020d.snap", index, term));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsync.directory(dir);
        Snapshot installed;
        try {
            installed = verify(file);
        } catch (DamagedSnapshotException e) {
            // Bytes just written (and, received, just checked) read back otherwise: this disk's fault, not a sender's.
            throw new IOException(file + " reads back damaged after it was written: " + e.getMessage(), e);
        }
        try (Stream<Path> listing = Files.list(dir)) {
            for (Path old : listing.toList()) {
                Matcher m = NAME.matcher(old.getFileName().toString());
                if (m.matches() && !old.equals(file) && Long.parseLong(m.group(1)) <= index) {
                    Files.deleteIfExists(old);
                }
            }
        }
        return installed;
    }

    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
