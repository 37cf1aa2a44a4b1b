package dev.repl.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log on disk: append-only segment files of whole records (see
 * {@link RecordCodec}), rolled at a set size, named by their first index. Opening it recovers:
 * every record's checksum and index are verified; a bad record in the last segment that no
 * later record proves forced is a torn tail, cut off and logged ({@link TornTail}, {@link #cut});
 * anything else bad stops the start with a {@link LogCorruptException} naming the file and the
 * offset. Each record appended carries the index the log had forced before it, the evidence
 * recovery reads.
 *
 * <p>Only the log's writer thread changes it ({@link #append}, {@link #truncateAfter},
 * {@link #compactUpTo}); any other thread may read, and sees only records whose bytes are in
 * the file. What is in memory grows with segments and terms, and with records only by a 256th
 * (see {@link Segment}): the heap does not grow with the log.
 */
public final class SegmentedLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SegmentedLog.class);

    /** A record larger than this is not a record: what recovery takes for a garbage length. */
    public static final int MAX_RECORD_BYTES = 64 * 1024 * 1024;
    private static final int SCAN_CHUNK = 1024 * 1024;

    private final Path dir;
    private final long maxSegmentBytes;
    private final Fsync fsync;
    private final TermIndex terms = new TermIndex();
    private volatile Segment[] segments;
    /** The index the log continues after, with its term: published as one, so a reader never pairs an old term with a new index. */
    private volatile Base base;
    private volatile long lastIndex;
    private volatile long lastTerm;
    /** The last index a force covered: what the records appended now vouch for. Writer thread only. */
    private long syncedIndex;
    /** Whether records were appended since the last force. Writer thread only. */
    private boolean unforced;
    private LogCut cut;
    private LogCut.Listener beforeCut;

    private SegmentedLog(Path dir, long maxSegmentBytes, long baseIndex, long baseTerm, List<Segment> segments, Fsync fsync) {
        this.dir = dir;
        this.maxSegmentBytes = maxSegmentBytes;
        this.fsync = fsync;
        this.base = new Base(baseIndex, baseTerm);
        this.segments = segments.toArray(Segment[]::new);
    }

    /**
     * Opens the log in {@code dir}, recovering it.
     *
     * @param baseIndex the last index a snapshot holds (0 without one): the log continues after it
     * @param baseTerm  that entry's term
     * @throws LogCorruptException naming the file and offset when a record before the end is bad
     */
    public static SegmentedLog open(Path dir, long maxSegmentBytes, long baseIndex, long baseTerm) throws IOException {
        return open(dir, maxSegmentBytes, baseIndex, baseTerm, Fsync.ofDisk());
    }

    /** As {@link #open(Path, long, long, long)}, forcing through {@code fsync}. */
    public static SegmentedLog open(Path dir, long maxSegmentBytes, long baseIndex, long baseTerm, Fsync fsync) throws IOException {
        return open(dir, maxSegmentBytes, baseIndex, baseTerm, fsync, cut -> { });
    }

    /** As {@link #open(Path, long, long, long, Fsync)}, telling {@code beforeCut} of a tail it is about to cut off. */
    public static SegmentedLog open(Path dir, long maxSegmentBytes, long baseIndex, long baseTerm, Fsync fsync, LogCut.Listener beforeCut)
            throws IOException {
        Files.createDirectories(dir);
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(f -> Segment.firstIndexOf(f) >= 0).sorted(Comparator.comparingLong(Segment::firstIndexOf)).toList();
        }
        List<Segment> segments = new ArrayList<>();
        SegmentedLog opened = new SegmentedLog(dir, maxSegmentBytes, baseIndex, baseTerm, segments, fsync);
        opened.beforeCut = beforeCut;
        try {
            opened.recover(files, segments);
        } catch (IOException | RuntimeException e) {
            for (Segment s : segments) {
                s.close();
            }
            throw e;
        }
        opened.segments = segments.toArray(Segment[]::new);
        // What was read may have been in the page cache only (the process died, the machine did not):
        // forced now, before any record appended vouches for it.
        opened.unforced = true;
        opened.force();
        opened.syncedIndex = opened.lastIndex;
        return opened;
    }

    private void recover(List<Path> files, List<Segment> into) throws IOException {
        long baseIndex = base.index();
        long baseTerm = base.term();
        lastIndex = baseIndex;
        lastTerm = baseTerm;
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            long first = Segment.firstIndexOf(file);
            boolean last = i == files.size() - 1;
            if (into.isEmpty()) {
                if (first > baseIndex + 1) {
                    throw new LogCorruptException(file + ": the log starts at index " + first + " but the snapshot ends at " + baseIndex
                            + " (a segment is missing)");
                }
                // Entries before the base are in the snapshot already; their terms are only checked among themselves.
                lastIndex = first - 1;
                lastTerm = 0;
            } else if (first != lastIndex + 1) {
                Segment before = into.get(into.size() - 1);
                throw new LogCorruptException(first > lastIndex + 1
                        ? before.file() + " is corrupt at offset " + before.size() + ": it ends at index " + lastIndex + " but the next segment, "
                                + file.getFileName() + ", starts at " + first + " (the file was cut short, or a segment is missing)"
                        : file + ": starts at index " + first + " but the segment before it ends at " + lastIndex);
            }
            Segment segment = Segment.open(file, first, fsync);
            into.add(segment);
            scan(segment, last);
        }
        if (lastIndex < baseIndex) {
            // A snapshot installed past the end of this log, and the node stopped before the log was cleared.
            for (Segment superseded : into) {
                superseded.delete();
            }
            into.clear();
            terms.clear();
            log.info("log: {} segment(s) ending before the snapshot at index {} deleted", files.size(), baseIndex);
            lastIndex = baseIndex;
            lastTerm = baseTerm;
        } else if (baseIndex > 0 && !into.isEmpty() && into.get(0).firstIndex() <= baseIndex && terms.termAt(baseIndex) != baseTerm) {
            // A snapshot from the leader was installed and the node stopped before its old, divergent log was cleared.
            long had = terms.termAt(baseIndex);
            for (int i = into.size() - 1; i >= 0; i--) {
                into.get(i).delete();
            }
            into.clear();
            terms.clear();
            log.info("log: the log had term {} at index {} where the snapshot says {}: log discarded, it continues after the snapshot",
                    had, baseIndex, baseTerm);
            lastIndex = baseIndex;
            lastTerm = baseTerm;
        }
    }

    /** Reads a segment through, verifying every record; cuts a torn tail off the last one. */
    private void scan(Segment segment, boolean lastSegment) throws IOException {
        long fileSize = segment.channel().size();
        ByteBuf chunk = ByteBufAllocator.DEFAULT.heapBuffer(SCAN_CHUNK);
        try {
            long offset = 0;
            long chunkStart = 0;
            while (offset < fileSize) {
                int at = (int) (offset - chunkStart);
                if (at + 8 > chunk.writerIndex() || at + RecordCodec.recordSize(chunk, at) > chunk.writerIndex()) {
                    // Refill from this record on, with room for the whole of it.
                    chunkStart = offset;
                    chunk.clear();
                    int want = (int) Math.min(fileSize - offset, SCAN_CHUNK);
                    fill(segment, chunk, offset, want);
                    at = 0;
                    if (chunk.writerIndex() >= 8) {
                        int size = RecordCodec.recordSize(chunk, 0);
                        if (size > SCAN_CHUNK && size <= MAX_RECORD_BYTES + RecordCodec.HEADER_BYTES && offset + size <= fileSize) {
                            chunk.clear().ensureWritable(size);
                            fill(segment, chunk, offset, size);
                        }
                    }
                }
                String bad = check(chunk, at, fileSize - offset, segment.lastIndex() + 1);
                if (bad != null) {
                    if (!lastSegment) {
                        // A later segment exists only once this one was forced whole (see roll).
                        throw new LogCorruptException(segment.file() + " is corrupt at offset " + offset + ": " + bad);
                    }
                    cutTail(segment, offset, fileSize, bad);
                    break;
                }
                long term = RecordCodec.term(chunk, at);
                long index = RecordCodec.index(chunk, at);
                if (term < lastTerm) {
                    throw new LogCorruptException(segment.file() + " is corrupt at offset " + offset + ": term " + term
                            + " of index " + index + " is below the term before it, " + lastTerm);
                }
                int size = RecordCodec.recordSize(chunk, at);
                segment.added(offset, size);
                noteAppended(index, term);
                offset += size;
            }
            segment.recovered(segment.isEmpty() ? 0 : segment.size());
        } finally {
            chunk.release();
        }
    }

    private static void fill(Segment segment, ByteBuf chunk, long position, int length) throws IOException {
        for (int done = 0; done < length; ) {
            int read = chunk.writeBytes(segment.channel(), position + done, length - done);
            if (read < 0) {
                break;
            }
            done += read;
        }
    }

    /** What is wrong with the record at {@code at}, or null when it is whole, intact and the expected index. */
    private static String check(ByteBuf chunk, int at, long remainingInFile, long expectedIndex) {
        int available = chunk.writerIndex() - at;
        if (available < 8) {
            return "a record header cut short after " + available + " bytes";
        }
        int covered = RecordCodec.coveredLength(chunk, at);
        if (covered < RecordCodec.COUNTED_HEADER_BYTES || covered > MAX_RECORD_BYTES) {
            return "a record length of " + covered + " bytes, which no record has";
        }
        if (8L + covered > remainingInFile || 8 + covered > available) {
            return "a record of " + (8L + covered) + " bytes with only " + remainingInFile + " left in the file";
        }
        if (!RecordCodec.intact(chunk, at)) {
            // What a bad record says its index is cannot be trusted: name the one it should have been.
            return "checksum mismatch in the record due to be index " + expectedIndex;
        }
        long index = RecordCodec.index(chunk, at);
        if (index != expectedIndex) {
            return "index " + index + " where " + expectedIndex + " was due";
        }
        return null;
    }

    /**
     * The bad record at {@code from} is the last segment's: refused when a later record proves it
     * was forced, and otherwise cut off with everything after it.
     */
    private void cutTail(Segment segment, long from, long fileSize, String bad) throws IOException {
        long due = segment.lastIndex() + 1;
        long rest = fileSize - from;
        ByteBuf tail = ByteBufAllocator.DEFAULT.heapBuffer((int) Math.min(rest, Integer.MAX_VALUE - 8));
        boolean explained;
        try {
            fill(segment, tail, from, tail.capacity());
            TornTail.Evidence evidence = TornTail.after(tail, from, due, lastTerm);
            if (evidence.vouched() >= due) {
                throw new LogCorruptException(segment.file() + " is corrupt at offset " + from + ": " + bad + "; the record at offset "
                        + evidence.vouchedAt() + " shows index " + evidence.vouched() + " was forced, so this is damage to durable records,"
                        + " not a torn write");
            }
            explained = TornTail.explained(tail, from, evidence);
        } finally {
            tail.release();
        }
        // Every record takes at least a header: what the cut bytes could have held ends there.
        cut = new LogCut(segment.file().toString(), from, rest, lastTerm, due, due - 1 + rest / RecordCodec.HEADER_BYTES, explained, bad);
        beforeCut.beforeCut(cut); // made durable by the caller first: once cut, nothing shows what was lost
        segment.channel().truncate(from);
        segment.force();
        if (explained) {
            log.warn("log: cut {} bytes of a torn write at the end of {} at offset {} ({}); records up to index {} kept", rest,
                    segment.file().getFileName(), from, bad, segment.lastIndex());
        } else {
            log.error("log: cut {} bytes at the end of {} at offset {} ({}), damage no torn write leaves: records from index {} this"
                    + " member may have acknowledged are gone; records up to index {} kept", rest, segment.file().getFileName(), from, bad,
                    due, segment.lastIndex());
        }
    }

    /** What recovery cut off the end of the log at open, or null when it was whole. */
    public LogCut cut() {
        return cut;
    }

    private void noteAppended(long index, long term) {
        if (term != lastTerm || terms.isEmpty()) {
            terms.add(index, term);
        }
        lastIndex = index;
        lastTerm = term;
    }

    public long firstIndex() {
        Segment[] s = segments;
        long from = base.index() + 1;
        return s.length == 0 ? from : Math.max(s[0].firstIndex(), from);
    }

    public long lastIndex() {
        return lastIndex;
    }

    public long lastTerm() {
        return lastTerm;
    }

    /** The index the log continues after: the last a snapshot holds, 0 without one. */
    public long baseIndex() {
        return base.index();
    }

    public long baseTerm() {
        return base.term();
    }

    /** The term of the entry at {@code index}, or -1 when the log does not hold it (before its base, or past its end). */
    public long termAt(long index) {
        Base b = base;
        if (index == b.index()) {
            return b.term();
        }
        if (index < b.index() || index > lastIndex) {
            return -1;
        }
        return terms.termAt(index);
    }

    /** The first index of the run of entries of the same term as {@code index} (never before the base + 1). */
    public long termStart(long index) {
        return Math.max(base.index() + 1, terms.termStart(index));
    }

    /** What the records after {@code index} take on disk, to within 256 records' bytes; from memory. */
    public long bytesAfter(long index) {
        long total = 0;
        for (Segment s : segments) {
            total += s.bytesFrom(index + 1);
        }
        return total;
    }

    /** The bytes the segments take on disk. */
    public long sizeBytes() {
        long total = 0;
        for (Segment s : segments) {
            total += s.size();
        }
        return total;
    }

    /**
     * Appends whole, checked records continuing the log at {@link #lastIndex} + 1, rolling to a
     * new segment where the current one is full. Writer thread only; not yet forced.
     */
    public void append(ByteBuf records) throws IOException {
        while (records.isReadable()) {
            Segment current = current();
            int take = 0;
            int at = records.readerIndex();
            while (at + take < records.writerIndex()) {
                int size = RecordCodec.recordSize(records, at + take);
                if (take > 0 && current.size() + take + size > maxSegmentBytes) {
                    break;
                }
                if (take == 0 && !current.isEmpty() && current.size() + size > maxSegmentBytes) {
                    current = roll();
                }
                take += size;
            }
            ByteBuf part = records.readSlice(take);
            for (int i = 0; i < take; i += RecordCodec.recordSize(part, i)) {
                RecordCodec.setSynced(part, i, syncedIndex);
            }
            long firstNew = current.lastIndex() + 1;
            unforced = true;
            current.write(part);
            for (int i = 0; i < take; i += RecordCodec.recordSize(part, i)) {
                noteAppended(RecordCodec.index(part, i), RecordCodec.term(part, i));
            }
            if (current.lastIndex() < firstNew) {
                throw new IllegalStateException("nothing appended");
            }
        }
    }

    private Segment current() throws IOException {
        Segment[] s = segments;
        if (s.length == 0) {
            Segment first = Segment.create(dir, lastIndex + 1, fsync);
            segments = new Segment[] {first};
            return first;
        }
        return s[s.length - 1];
    }

    private Segment roll() throws IOException {
        Segment[] s = segments;
        s[s.length - 1].force();
        Segment next = Segment.create(dir, lastIndex + 1, fsync);
        Segment[] rolled = Arrays.copyOf(s, s.length + 1);
        rolled[s.length] = next;
        segments = rolled;
        return next;
    }

    /**
     * Makes every record appended so far durable: the current segment's (rolled ones were forced
     * as they closed). Nothing to do when nothing was appended since the last: a batch that only
     * read the log, or recorded a vote, costs no fsync of the log behind it.
     */
    public void force() throws IOException {
        if (unforced) {
            Segment[] s = segments;
            if (s.length > 0) {
                s[s.length - 1].force();
            }
            unforced = false;
        }
        syncedIndex = lastIndex;
    }

    /** Drops every record after {@code index}, which must not be before the base. Writer thread only; forced. */
    public void truncateAfter(long index) throws IOException {
        Base b = base;
        if (index < b.index()) {
            throw new IllegalArgumentException("cannot truncate to " + index + ", before the snapshot at " + b.index());
        }
        if (index >= lastIndex) {
            return;
        }
        // Newest first: a crash half way leaves a shorter log, never one with a segment missing in the middle.
        Segment[] all = segments;
        List<Segment> kept = new ArrayList<>();
        for (int i = all.length - 1; i >= 0; i--) {
            Segment s = all[i];
            if (s.firstIndex() > index) {
                s.delete();
            } else {
                if (s.lastIndex() > index) {
                    s.truncateAfter(index);
                    s.force();
                }
                kept.add(0, s);
            }
        }
        segments = kept.toArray(Segment[]::new);
        terms.truncateAfter(index);
        lastIndex = index;
        lastTerm = index == b.index() ? b.term() : terms.termAt(index);
        syncedIndex = Math.min(syncedIndex, index);
    }

    /**
     * Discards the whole log: a snapshot from the leader holds {@code index}, and this log
     * disagrees with it or ends before it. The log continues after {@code index}. Writer thread only.
     */
    public void resetTo(long index, long term) throws IOException {
        Segment[] all = segments;
        moveBase(index, term, new Segment[0]);
        for (int i = all.length - 1; i >= 0; i--) {
            all[i].delete(); // newest first, as in truncateAfter
        }
    }

    /**
     * A snapshot now holds everything up to {@code index}: whole segments before it are deleted
     * and the log's base moves there. Writer thread only.
     */
    public void compactUpTo(long index, long term) throws IOException {
        if (index <= base.index()) {
            return;
        }
        Segment[] s = segments;
        List<Segment> kept = new ArrayList<>();
        List<Segment> covered = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            // A snapshot from a leader that goes beyond this log keeps nothing of it.
            boolean coveredWhole = lastIndex < index || s[i].lastIndex() <= index && i < s.length - 1;
            (coveredWhole ? covered : kept).add(s[i]);
        }
        moveBase(index, term, kept.toArray(Segment[]::new));
        for (Segment gone : covered) {
            gone.delete();
        }
    }

    /**
     * Publishes the new base and segments before any file is closed: a reader that finds its
     * segment closed under it (the applier, behind) then sees that the base moved past what it
     * wanted, and waits for the snapshot instead of failing.
     */
    private void moveBase(long index, long term, Segment[] kept) {
        base = new Base(index, term);
        segments = kept;
        if (lastIndex < index || kept.length == 0) {
            terms.clear();
            lastIndex = index;
            lastTerm = term;
            syncedIndex = index;
        } else {
            terms.dropBefore(index);
        }
    }

    /**
     * Whole records from {@code fromIndex}, about {@code maxBytes} of them, from the one segment
     * that holds it. Blocks on disk: never call it on an event loop.
     *
     * @throws IllegalArgumentException when the log does not hold {@code fromIndex}
     */
    public ByteBuf read(long fromIndex, int maxBytes, ByteBufAllocator alloc) throws IOException {
        for (Segment s : segments) {
            if (fromIndex >= s.firstIndex() && fromIndex <= s.lastIndex()) {
                return s.read(fromIndex, maxBytes, alloc);
            }
        }
        throw new IllegalArgumentException("the log holds " + firstIndex() + ".." + lastIndex() + ", not " + fromIndex);
    }

    /** The segment files, oldest first: for tests and status. */
    public List<Path> files() {
        return Arrays.stream(segments).map(Segment::file).toList();
    }

    @Override
    public void close() {
        IOException first = null;
        for (Segment s : segments) {
            try {
                s.close();
            } catch (IOException e) {
                first = first == null ? e : first; // close the rest all the same
            }
        }
        if (first != null) {
            throw new UncheckedIOException(first);
        }
    }

    private record Base(long index, long term) {
    }
}
