package dev.repl.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
        flip(first, 75); // inside the payload of the second record of the first segment
        LogCorruptException e = assertThrows(LogCorruptException.class, this::open);
        assertTrue(e.getMessage().startsWith(first + " is corrupt at offset "), e.getMessage());
        assertTrue(e.getMessage().contains("checksum mismatch in the record due to be index 2"), e.getMessage());
    }

    @Test
    void aFlippedByteInTheLastRecordIsCutAsDamageNoTornWriteExplains() throws IOException {
        write(30);
        Path last;
        try (SegmentedLog log = open()) {
            last = log.files().get(log.files().size() - 1);
        }
        flip(last, (int) Files.size(last) - 1);
        try (SegmentedLog log = open()) {
            assertEquals(29, log.lastIndex(), "nothing vouches for the last forced batch: its damaged record is cut");
            LogCut cut = log.cut();
            assertEquals(30, cut.fromIndex());
            assertFalse(cut.explained(), "a flipped bit is no torn write: the member must not vote until it has caught up");
        }
        try (SegmentedLog log = open()) {
            assertNull(log.cut(), "the log was cut once and is whole now");
        }
    }

    /** Records 1..n appended in batches of {@code perBatch}, each forced, as the writer does. */
    private void writeInBatches(long n, int perBatch, int payloadBytes) throws IOException {
        try (SegmentedLog log = SegmentedLog.open(dir, 1 << 20, 0, 0)) {
            for (long from = 1; from <= n; from += perBatch) {
                ByteBuf batch = Unpooled.buffer();
                for (long i = from; i < from + perBatch && i <= n; i++) {
                    RecordCodec.write(batch, 1, i, new byte[payloadBytes]);
                }
                log.append(batch);
                batch.release();
                log.force();
            }
        }
    }

    @Test
    void eachRecordVouchesForWhatItsLogHadForcedBeforeIt() throws IOException {
        writeInBatches(9, 3, 10);
        try (SegmentedLog log = SegmentedLog.open(dir, 1 << 20, 0, 0)) {
            ByteBuf read = log.read(1, 1 << 20, ByteBufAllocator.DEFAULT);
            try {
                List<Long> synced = new ArrayList<>();
                for (int at = 0; at < read.writerIndex(); at += RecordCodec.recordSize(read, at)) {
                    synced.add(RecordCodec.synced(read, at));
                }
                assertEquals(List.of(0L, 0L, 0L, 3L, 3L, 3L, 6L, 6L, 6L), synced);
            } finally {
                read.release();
            }
        }
    }

    @Test
    void aDamagedLengthWithALaterBatchThatVouchesForItIsCorruption() throws IOException {
        writeInBatches(30, 10, 10);
        Path last = dir.resolve("00000000000000000001.log");
        // A high bit of the second record's length: it now claims to run past the end of the file,
        // the shape of a torn write, but the records of the later batches say it was forced.
        int second = recordSize(last);
        byte[] b = Files.readAllBytes(last);
        b[second] ^= (byte) 0x40;
        Files.write(last, b);
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> SegmentedLog.open(dir, 1 << 20, 0, 0));
        assertTrue(e.getMessage().startsWith(last + " is corrupt at offset " + second), e.getMessage());
        assertTrue(e.getMessage().contains("was forced, so this is damage to durable records, not a torn write"), e.getMessage());
    }

    @Test
    void aZeroedPageInsideForcedRecordsIsCorruptionNotATornWrite() throws IOException {
        writeInBatches(40, 10, 1000);
        Path last = dir.resolve("00000000000000000001.log");
        byte[] b = Files.readAllBytes(last);
        Arrays.fill(b, 8192, 12288, (byte) 0); // a whole aligned page inside the first three batches
        Files.write(last, b);
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> SegmentedLog.open(dir, 1 << 20, 0, 0));
        assertTrue(e.getMessage().contains("not a torn write"), e.getMessage());
    }

    @Test
    void aTornPageOfTheLastUnforcedBatchIsCutEvenWithWholePagesAfterIt() throws IOException {
        // The last batch was never forced: its pages reached the disk in any order. The forced data
        // ends in the middle of a page whose rest stayed zeros, and a later page of the batch arrived.
        int recordBytes = RecordCodec.size(1000);
        writeInBatches(5, 5, 1000);
        Path last = dir.resolve("00000000000000000001.log");
        long forcedEnd = Files.size(last);
        try (SegmentedLog log = SegmentedLog.open(dir, 1 << 20, 0, 0)) {
            ByteBuf batch = Unpooled.buffer();
            for (long i = 6; i <= 20; i++) {
                RecordCodec.write(batch, 1, i, new byte[1000]);
            }
            log.append(batch);
            batch.release();
        }
        byte[] b = Files.readAllBytes(last);
        int page = (int) (forcedEnd / 4096);
        Arrays.fill(b, (int) forcedEnd, (page + 1) * 4096, (byte) 0);
        Files.write(last, b);
        try (SegmentedLog log = SegmentedLog.open(dir, 1 << 20, 0, 0)) {
            assertEquals(5, log.lastIndex(), "the forced records stay, the torn batch goes");
            assertEquals(5L * recordBytes, Files.size(last));
            assertTrue(log.cut().explained(), "zeros where the batch was: what a torn write leaves");
        }
    }

    @Test
    void damageInTheLastBatchWithRecordsOfTheSameBatchAfterItIsCutNotRefused() throws IOException {
        write(30); // one batch: nothing after the damage proves it was forced
        Path last;
        try (SegmentedLog log = open()) {
            last = log.files().get(log.files().size() - 1);
        }
        byte[] b = Files.readAllBytes(last);
        int second = recordSize(last);
        Arrays.fill(b, second, second + 8, (byte) 0);
        Files.write(last, b);
        try (SegmentedLog log = open()) {
            assertEquals(Segment.firstIndexOf(last), log.lastIndex());
            assertEquals(Segment.firstIndexOf(last) + 1, log.cut().fromIndex());
        }
    }

    @Test
    void aFlippedLengthThatRunsPastTheFileWithRecordsOfItsBatchAfterItIsNoTornWrite() throws IOException {
        write(30); // one forced batch: nothing vouches for it, and records of it follow the damage
        Path last;
        try (SegmentedLog log = open()) {
            last = log.files().get(log.files().size() - 1);
        }
        int second = recordSize(last);
        byte[] b = Files.readAllBytes(last);
        b[second + 1] ^= 0x01; // the length grows by 64 KiB, past the end of the file
        Files.write(last, b);
        try (SegmentedLog log = open()) {
            assertFalse(log.cut().explained(), "a torn write ends the file inside its last record; whole records after it say otherwise");
        }
    }

    @Test
    void theLastRecordsLengthFlippedPastTheFilesEndIsNoTornWrite() throws IOException {
        write(30); // acknowledged, then idle: nothing after the last batch vouches for it
        Path last;
        try (SegmentedLog log = open()) {
            last = log.files().get(log.files().size() - 1);
        }
        byte[] b = Files.readAllBytes(last);
        int lastAt = 0;
        for (int at = 0; at < b.length; at += 8 + ByteBuffer.wrap(b).getInt(at)) {
            lastAt = at;
        }
        b[lastAt + 2] ^= 0x01; // 256 bytes longer: it now runs past the end of the file, as a record a crash cut short would
        Files.write(last, b);
        try (SegmentedLog log = open()) {
            assertEquals(29, log.lastIndex());
            assertFalse(log.cut().explained(), "its bytes are all there, with another length: damage, not a torn write");
        }
    }

    @Test
    void aDamagedLengthThatJumpsOverTheRecordsThatVouchForItIsStillCorruption() throws IOException {
        writeInBatches(30, 3, 10);
        Path last = dir.resolve("00000000000000000001.log");
        int second = recordSize(last);
        byte[] b = Files.readAllBytes(last);
        // The length now leads exactly to the end of the file, over every record that vouches for it.
        ByteBuffer.wrap(b).putInt(second, b.length - second - 8);
        Files.write(last, b);
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> SegmentedLog.open(dir, 1 << 20, 0, 0));
        assertTrue(e.getMessage().contains("was forced, so this is damage to durable records"), e.getMessage());
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
    void aSealedSegmentCutShortAtARecordsEndIsCorruptionNamingIt() throws IOException {
        write(100);
        List<Path> files;
        try (SegmentedLog log = open()) {
            files = log.files();
        }
        Path sealed = files.get(0);
        int first = recordSize(sealed);
        try (FileChannel ch = FileChannel.open(sealed, StandardOpenOption.WRITE)) {
            ch.truncate(first);
        }
        LogCorruptException e = assertThrows(LogCorruptException.class, this::open);
        assertTrue(e.getMessage().startsWith(sealed + " is corrupt at offset " + first + ": it ends at index 1 but the next segment"),
                e.getMessage());
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
