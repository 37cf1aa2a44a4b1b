package dev.repl.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * One file of the log: whole records of consecutive indexes from {@link #firstIndex}, appended
 * and never rewritten but for a truncated tail. It keeps the file offset of every
 * {@value #CHECKPOINT_EVERY}th record, so finding a record costs a few header reads and the heap
 * spent on a segment does not grow with its record count by more than a 256th.
 * Mutated by the log's writer thread only; positional reads are safe from any thread.
 */
final class Segment implements AutoCloseable {

    static final int CHECKPOINT_EVERY = 256;
    private static final String SUFFIX = ".log";

    private final Path file;
    private final long firstIndex;
    private final FileChannel channel;
    private final Fsync fsync;
    private volatile long size;
    private volatile long lastIndex;
    /** Offset of record {@code firstIndex + i * CHECKPOINT_EVERY} at {@code checkpoints[i]}. */
    private long[] checkpoints = new long[16];
    private int checkpointCount;

    private Segment(Path file, long firstIndex, FileChannel channel, Fsync fsync) {
        this.file = file;
        this.firstIndex = firstIndex;
        this.channel = channel;
        this.fsync = fsync;
        this.lastIndex = firstIndex - 1;
    }

    static Path fileOf(Path dir, long firstIndex) {
        return dir.resolve(String.format("%020d%s", firstIndex, SUFFIX));
    }

    /** The first index a segment file holds, from its name; -1 for a file that is not a segment. */
    static long firstIndexOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(SUFFIX) || name.length() != 20 + SUFFIX.length()) {
            return -1;
        }
        try {
            return Long.parseLong(name, 0, 20, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static Segment create(Path dir, long firstIndex, Fsync fsync) throws IOException {
        Path file = fileOf(dir, firstIndex);
        Segment segment = new Segment(file, firstIndex, FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE), fsync);
        // The new name must outlive a power loss with the records later forced into the file.
        fsync.directory(dir);
        return segment;
    }

    static Segment open(Path file, long firstIndex, Fsync fsync) throws IOException {
        return new Segment(file, firstIndex, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE), fsync);
    }

    Path file() {
        return file;
    }

    long firstIndex() {
        return firstIndex;
    }

    long lastIndex() {
        return lastIndex;
    }

    long size() {
        return size;
    }

    boolean isEmpty() {
        return lastIndex < firstIndex;
    }

    FileChannel channel() {
        return channel;
    }

    /** Notes a record of the next index at {@code offset}, {@code bytes} long; the bytes are already in the file. */
    void added(long offset, int bytes) {
        long index = lastIndex + 1;
        if ((index - firstIndex) % CHECKPOINT_EVERY == 0) {
            if (checkpointCount == checkpoints.length) {
                checkpoints = Arrays.copyOf(checkpoints, checkpointCount * 2);
            }
            checkpoints[checkpointCount++] = offset;
        }
        size = offset + bytes;
        lastIndex = index;
    }

    /** Appends whole records, already checked, at the end of the file. */
    void write(ByteBuf records) throws IOException {
        long at = size;
        int from = records.readerIndex();
        int end = records.writerIndex();
        long position = at;
        while (records.isReadable()) {
            position += records.readBytes(channel, position, records.readableBytes());
        }
        for (int i = from; i < end; i += RecordCodec.recordSize(records, i)) {
            added(at + (i - from), RecordCodec.recordSize(records, i));
        }
    }

    /** The file offset of record {@code index}, which must be in this segment. */
    long offsetOf(long index) throws IOException {
        long relative = index - firstIndex;
        long offset = checkpoints[(int) (relative / CHECKPOINT_EVERY)];
        ByteBuf header = ByteBufAllocator.DEFAULT.heapBuffer(4);
        try {
            for (long i = relative - relative % CHECKPOINT_EVERY; i < relative; i++) {
                header.clear();
                readFully(header, offset, 4);
                offset += 8 + header.getInt(0);
            }
        } finally {
            header.release();
        }
        return offset;
    }

    /**
     * Bytes from record {@code index} to the end of the file, from memory: exact at a checkpoint,
     * otherwise counted from the checkpoint before it (at most 255 records more).
     */
    long bytesFrom(long index) {
        if (index > lastIndex) {
            return 0;
        }
        if (index <= firstIndex) {
            return size;
        }
        int checkpoint = (int) Math.min(checkpointCount - 1, (index - firstIndex) / CHECKPOINT_EVERY);
        return size - checkpoints[Math.max(0, checkpoint)];
    }

    /**
     * Whole records from {@code fromIndex}, at most {@code maxBytes} of them unless the first alone
     * is larger, and never past this segment's end.
     */
    ByteBuf read(long fromIndex, int maxBytes, ByteBufAllocator alloc) throws IOException {
        long from = offsetOf(fromIndex);
        long end = size;
        int want = (int) Math.min(end - from, Math.max(maxBytes, RecordCodec.HEADER_BYTES));
        ByteBuf buf = alloc.ioBuffer(want);
        boolean done = false;
        try {
            // The file may shrink meanwhile: the writer truncates entries past the commit index while the
            // applier reads committed ones before them. What is still there, whole, is what is returned.
            readAtMost(buf, from, want);
            int whole = 0;
            while (whole + 8 <= buf.writerIndex() && RecordCodec.recordSize(buf, whole) >= RecordCodec.HEADER_BYTES
                    && whole + RecordCodec.recordSize(buf, whole) <= buf.writerIndex()) {
                // (A length below a header's: bytes of a suffix being truncated and rewritten as we read. Stop there.)
                whole += RecordCodec.recordSize(buf, whole);
            }
            if (whole == 0) {
                if (buf.writerIndex() < 8) {
                    throw new EOFException(file + " ends at " + (from + buf.writerIndex()) + " bytes, inside the record of index " + fromIndex);
                }
                // The first record is larger than asked for: read it whole.
                int first = RecordCodec.recordSize(buf, 0);
                buf.clear().ensureWritable(first);
                readFully(buf, from, first);
                whole = first;
            }
            buf.writerIndex(whole);
            done = true;
            return buf;
        } finally {
            if (!done) {
                buf.release();
            }
        }
    }

    /** Reads up to {@code length} bytes at {@code position} of the file into {@code into}, fewer where the file ends. */
    private void readAtMost(ByteBuf into, long position, int length) throws IOException {
        for (int done = 0; done < length; ) {
            int read = into.writeBytes(channel, position + done, length - done);
            if (read < 0) {
                return;
            }
            done += read;
        }
    }

    /** Reads {@code length} bytes at {@code position} of the file into {@code into}. */
    private void readFully(ByteBuf into, long position, int length) throws IOException {
        for (int done = 0; done < length; ) {
            int read = into.writeBytes(channel, position + done, length - done);
            if (read < 0) {
                throw new EOFException(file + " ends at " + (position + done) + " bytes, inside a record");
            }
            done += read;
        }
    }

    /** Cuts the file after record {@code index} (which stays), or to nothing before {@link #firstIndex}. */
    void truncateAfter(long index) throws IOException {
        long cut = index < firstIndex ? 0 : index >= lastIndex ? size : offsetOf(index + 1);
        channel.truncate(cut);
        size = cut;
        lastIndex = Math.max(firstIndex - 1, Math.min(index, lastIndex));
        checkpointCount = (int) Math.min(checkpointCount, (lastIndex - firstIndex + CHECKPOINT_EVERY) / CHECKPOINT_EVERY);
    }

    void force() throws IOException {
        fsync.file(file, channel, false);
    }

    /** The file was cut at {@code size} by recovery. */
    void recovered(long recoveredSize) {
        size = recoveredSize;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
        fsync.directory(file.getParent());
    }

    @Override
    public String toString() {
        return file.getFileName() + " [" + firstIndex + ".." + lastIndex + "]";
    }
}
