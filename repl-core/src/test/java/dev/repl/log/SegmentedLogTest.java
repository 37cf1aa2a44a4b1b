package dev.repl.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log on disk: records, segments, recovery from a torn tail, corruption, group commit. */
class SegmentedLogTest {

    private static final long SEGMENT_BYTES = 1024;

    @TempDir
    Path dir;

    private static byte[] payload(long index) {
        return ("value-" + index).getBytes(StandardCharsets.UTF_8);
    }

    private static ByteBuf records(long term, long from, long to) {
        ByteBuf out = Unpooled.buffer();
        for (long i = from; i <= to; i++) {
            RecordCodec.write(out, term, i, payload(i));
        }
        return out;
    }

    private SegmentedLog open() throws IOException {
        return SegmentedLog.open(dir, SEGMENT_BYTES, 0, 0);
    }

    /** A log of records 1..n, all of term 1, closed again. */
    private void write(long n) throws IOException {
        try (SegmentedLog log = open()) {
            ByteBuf batch = records(1, 1, n);
            log.append(batch);
            batch.release();
            log.force();
        }
    }

    private static List<Long> indexes(SegmentedLog log) throws IOException {
        List<Long> found = new ArrayList<>();
        for (long i = log.firstIndex(); i <= log.lastIndex(); ) {
            ByteBuf read = log.read(i, 4096, ByteBufAllocator.DEFAULT);
            try {
                for (int at = 0; at < read.writerIndex(); at += RecordCodec.recordSize(read, at)) {
                    assertTrue(RecordCodec.intact(read, at));
                    assertArrayEquals(payload(RecordCodec.index(read, at)), RecordCodec.payload(read, at));
                    found.add(RecordCodec.index(read, at));
                    i = RecordCodec.index(read, at) + 1;
                }
            } finally {
                read.release();
            }
        }
        return found;
    }

    private static List<Long> range(long from, long to) {
        List<Long> r = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            r.add(i);
        }
        return r;
    }

    @Test
    void recordsReadBackAcrossSegmentsAfterAReopen() throws IOException {
        write(100);
        try (SegmentedLog log = open()) {
            assertTrue(log.files().size() > 3, "rolled at " + SEGMENT_BYTES + " bytes: " + log.files());
            assertEquals(100, log.lastIndex());
            assertEquals(1, log.lastTerm());
            assertEquals(range(1, 100), indexes(log));
        }
    }

    @Test
    void termsAreKnownForEveryIndexFromMemory() throws IOException {
        try (SegmentedLog log = open()) {
            ByteBuf batch = Unpooled.buffer();
            RecordCodec.write(batch, 1, 1, payload(1));
            RecordCodec.write(batch, 1, 2, payload(2));
            RecordCodec.write(batch, 3, 3, payload(3));
            RecordCodec.write(batch, 7, 4, payload(4));
            log.append(batch);
            batch.release();
            assertEquals(List.of(0L, 1L, 1L, 3L, 7L, -1L), List.of(log.termAt(0), log.termAt(1), log.termAt(2), log.termAt(3), log.termAt(4),
                    log.termAt(5)));
            log.truncateAfter(2);
            assertEquals(2, log.lastIndex());
            assertEquals(1, log.lastTerm());
            assertEquals(-1, log.termAt(3));
        }
    }

    /** A crash can stop a write at any byte: whatever is cut, recovery keeps exactly the whole records before it. */
    @Test
    void cutAtEveryByteOfTheLastRecordsRecoveryKeepsTheWholeOnes() throws IOException {
        write(30);
        Path last;
        byte[] whole;
        try (SegmentedLog log = open()) {
            last = log.files().get(log.files().size() - 1);
            whole = Files.readAllBytes(last);
        }
        long firstInLast = Segment.firstIndexOf(last);
        // Offsets where each record of the last segment starts, and the file's end.
        List<Integer> starts = new ArrayList<>();
        ByteBuf file = Unpooled.wrappedBuffer(whole);
        for (int at = 0; at < whole.length; at += RecordCodec.recordSize(file, at)) {
            starts.add(at);
        }
        for (int cut = 0; cut < whole.length; cut++) {
            Files.write(last, java.util.Arrays.copyOf(whole, cut));
            int complete = 0;
            while (complete < starts.size() && (complete + 1 < starts.size() ? starts.get(complete + 1) : whole.length) <= cut) {
                complete++;
            }
            try (SegmentedLog log = open()) {
                assertEquals(firstInLast - 1 + complete, log.lastIndex(), "cut at byte " + cut);
                assertEquals(range(1, firstInLast - 1 + complete), indexes(log), "cut at byte " + cut);
            }
            long kept = Files.size(last);
            assertEquals(complete == 0 ? 0 : complete < starts.size() ? starts.get(complete) : whole.length, kept,
                    "the torn bytes are cut off the file, cut at byte " + cut);
        }
    }

    @Test
    void aFlippedByteInTheMiddleStopsTheStartNamingTheFileAndOffset() throws IOException {
        write(30);
        Path first;
        try (SegmentedLog log = open()) {
            first = log.files().get(0);
        }
        flip(first, 40); // inside the payload of the second record of the first segment
        LogCorruptException e = assertThrows(LogCorruptException.class, this::open);
        assertTrue(e.getMessage().startsWith(first + " is corrupt at offset "), e.getMessage());
        assertTrue(e.getMessage().contains("checksum mismatch in the record due to be index 2"), e.getMessage());
    }

    @Test
    void aFlippedByteInTheLastRecordIsDetectedAndTheRecordCut() throws IOException {
        write(30);
        Path last;
        try (SegmentedLog log = open()) {
            last = log.files().get(log.files().size() - 1);
        }
        flip(last, (int) Files.size(last) - 1);
        try (SegmentedLog log = open()) {
            assertEquals(29, log.lastIndex(), "the damaged last record is a torn write: cut");
        }
    }

    @Test
    void aDamagedLengthInTheLastSegmentWithRecordsAfterItIsCorruptionNotATornWrite() throws IOException {
        write(30);
        Path last;
        try (SegmentedLog log = open()) {
            last = log.files().get(log.files().size() - 1);
        }
        // A high bit of the second record's length: it now claims to run past the end of the file,
        // the shape of a torn write, but whole records follow it.
        int second = recordSize(last);
        byte[] b = Files.readAllBytes(last);
        b[second] ^= (byte) 0x40;
        Files.write(last, b);
        LogCorruptException e = assertThrows(LogCorruptException.class, this::open);
        assertTrue(e.getMessage().startsWith(last + " is corrupt at offset " + second), e.getMessage());
    }

    @Test
    void aPageOfZerosBeforeWholeRecordsIsAWriteThatNeverReachedTheDiskAndIsCut() throws IOException {
        // One segment of a few pages, records of 1 KiB: after a power loss, pages of the last
        // unforced write can land out of order, a hole before whole records.
        try (SegmentedLog log = SegmentedLog.open(dir, 1 << 20, 0, 0)) {
            ByteBuf batch = Unpooled.buffer();
            for (long i = 1; i <= 20; i++) {
                RecordCodec.write(batch, 1, i, new byte[1000]);
            }
            log.append(batch);
            batch.release();
            log.force();
        }
        Path last = dir.resolve("00000000000000000001.log");
        byte[] b = Files.readAllBytes(last);
        Arrays.fill(b, 8192, 12288, (byte) 0);
        Files.write(last, b);
        int recordBytes = RecordCodec.size(1000);
        long firstBad = 8192 / recordBytes + 1; // the record the hole starts in
        try (SegmentedLog log = open()) {
            assertEquals(firstBad - 1, log.lastIndex(), "cut at the record the hole starts in");
            assertEquals((firstBad - 1) * recordBytes, Files.size(last));
        }
    }

    @Test
    void zerosThatAreNotAWholePageBeforeWholeRecordsAreCorruption() throws IOException {
        write(30);
        Path last;
        try (SegmentedLog log = open()) {
            last = log.files().get(log.files().size() - 1);
        }
        byte[] b = Files.readAllBytes(last);
        int second = recordSize(last);
        Arrays.fill(b, second, second + 8, (byte) 0); // a zeroed header, records after it: no write tears like that
        Files.write(last, b);
        assertThrows(LogCorruptException.class, this::open);
    }

    /** The size of the first record in {@code file}: the offset of the second. */
    private static int recordSize(Path file) throws IOException {
        return 8 + ByteBuffer.wrap(Files.readAllBytes(file)).getInt(0);
    }

    @Test
    void aMissingSegmentIsCorruption() throws IOException {
        write(100);
        List<Path> files;
        try (SegmentedLog log = open()) {
            files = log.files();
        }
        Files.delete(files.get(1));
        LogCorruptException e = assertThrows(LogCorruptException.class, this::open);
        assertTrue(e.getMessage().contains("a segment is missing"), e.getMessage());
    }

    @Test
    void compactionDropsWholeSegmentsBeforeTheSnapshotAndTheLogContinues() throws IOException {
        write(100);
        try (SegmentedLog log = open()) {
            int before = log.files().size();
            log.compactUpTo(60, 1);
            assertTrue(log.files().size() < before);
            assertEquals(61, log.firstIndex());
            assertEquals(1, log.termAt(60));
            assertEquals(-1, log.termAt(59), "before the base: not held");
        }
        try (SegmentedLog log = SegmentedLog.open(dir, SEGMENT_BYTES, 60, 1)) {
            assertEquals(100, log.lastIndex());
            assertEquals(range(61, 100), indexes(log).subList(indexes(log).indexOf(61L), indexes(log).size()));
        }
    }

    @Test
    void groupCommitForcesOnceForEverythingQueuedMeanwhile() throws Exception {
        try (LogWriter writer = new LogWriter("gc", open())) {
            CountDownLatch hold = new CountDownLatch(1);
            // The first change holds the writer thread, so the next 100 queue up behind it.
            CompletableFuture<Void> first = writer.submit(log -> {
                try {
                    hold.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }, 0);
            List<CompletableFuture<Long>> appends = new ArrayList<>();
            for (long i = 1; i <= 100; i++) {
                long index = i;
                ByteBuf record = records(1, index, index);
                appends.add(writer.submit(log -> {
                    log.append(record);
                    record.release();
                    return log.lastIndex();
                }, record.readableBytes()));
            }
            long forcesBefore = writer.forces();
            hold.countDown();
            first.get(10, TimeUnit.SECONDS);
            for (CompletableFuture<Long> append : appends) {
                append.get(10, TimeUnit.SECONDS);
            }
            assertTrue(writer.forces() - forcesBefore <= 2, "one force for the held change, one for the 100 behind it at most: "
                    + (writer.forces() - forcesBefore));
            assertEquals(100, writer.durableIndex());
            assertEquals(0, writer.pendingBytes());
        }
    }

    @Test
    void whoeverHearsAChangeIsDurableSeesItNoLongerPending() throws Exception {
        // A follower that stopped reading while too much was pending resumes from this callback:
        // were the batch still counted there, nothing would ever wake it again.
        try (LogWriter writer = new LogWriter("pending", open())) {
            ByteBuf record = records(1, 1, 1);
            long[] pendingWhenHeard = {-1};
            writer.submit(log -> {
                log.append(record);
                record.release();
                return null;
            }, 1_000).whenComplete((ok, failure) -> pendingWhenHeard[0] = writer.pendingBytes()).get(10, TimeUnit.SECONDS);
            assertEquals(0, pendingWhenHeard[0]);
        }
    }

    @Test
    void aFailedForceFailsThatBatchAndEveryChangeAfterIt() throws Exception {
        try (LogWriter writer = new LogWriter("fail", open())) {
            CompletableFuture<Void> failing = writer.submit(log -> {
                throw new IOException("No space left on device");
            }, 0);
            Exception e = assertThrows(Exception.class, () -> failing.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof LogFailedException, String.valueOf(e.getCause()));
            assertEquals("log write failed: No space left on device", e.getCause().getMessage());
            CompletableFuture<Void> later = writer.submit(log -> null, 0);
            assertThrows(Exception.class, () -> later.get(10, TimeUnit.SECONDS));
            assertTrue(writer.failure() != null);
        }
    }

    private static void flip(Path file, int offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x01));
            b.rewind();
            ch.write(b, offset);
        }
    }
}
