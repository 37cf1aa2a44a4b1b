package dev.repl.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power cuts at random moments of a log that appends, rolls, truncates a divergent suffix and
 * forces as the writer does. A disk that remembers each file as its last fsync left it stands in
 * for the platter: at the cut, every file goes back to that image, and each sector (or page)
 * written since holds its new bytes or its old ones, with the new length surviving or not. The
 * log must always open, keep every record a force covered, and keep only records that were
 * written; what it cuts must be what a torn write leaves.
 */
class PowerCutTest {

    private static final int RUNS = Integer.getInteger("storage.runs", 150);

    @TempDir
    Path dir;

    /** Each file's content as its last fsync left it; a file never forced holds zeros. */
    private static final class Platter implements Fsync.Device {
        final Map<Path, byte[]> durable = new HashMap<>();

        @Override
        public void force(Path path, FileChannel channel, boolean metadata) throws IOException {
            channel.force(metadata);
            if (Files.isRegularFile(path)) {
                durable.put(path, Files.readAllBytes(path));
            } else {
                // A directory's fsync makes deletions durable: a file made again under the name is a new one, of zeros.
                durable.keySet().removeIf(file -> file.getParent().equals(path) && !Files.exists(file));
            }
        }

        /** The power goes: each file as the disk could hold it now. */
        void cut(Path logDir, SplittableRandom random) throws IOException {
            int unit = random.nextBoolean() ? 512 : 4096;
            List<Path> files;
            try (Stream<Path> listing = Files.list(logDir)) {
                files = listing.toList();
            }
            for (Path file : files) {
                byte[] written = Files.readAllBytes(file);
                byte[] forced = durable.getOrDefault(file, new byte[0]);
                int length = random.nextBoolean() ? written.length : Math.min(forced.length, written.length);
                byte[] disk = new byte[length];
                for (int from = 0; from < length; from += unit) {
                    boolean arrived = random.nextBoolean();
                    for (int i = from; i < Math.min(length, from + unit); i++) {
                        disk[i] = arrived ? written[i] : i < forced.length ? forced[i] : 0;
                    }
                }
                Files.write(file, disk);
            }
        }
    }

    @Test
    void aPowerCutAnywhereNeverStopsAStartNorLosesAForcedRecord() throws IOException {
        long seed = Long.getLong("storage.seed", System.nanoTime());
        System.out.println("power cut seed: " + seed + " (replay with -Dstorage.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        for (int run = 0; run < RUNS; run++) {
            String where = "seed " + seed + ", run " + run;
            Path logDir = Files.createDirectories(dir.resolve("run-" + run));
            Platter platter = new Platter();
            Map<Long, byte[]> written = new HashMap<>();
            long forced = 0;
            try (SegmentedLog log = SegmentedLog.open(logDir, 16 * 1024, 0, 0, new Fsync(platter))) {
                long term = 1;
                for (int batch = random.nextInt(1, 10); batch > 0; batch--) {
                    if (log.lastIndex() > 0 && random.nextInt(5) == 0) {
                        // A new leader's entries replace a divergent suffix, forced ones among them (never committed ones).
                        long keep = random.nextLong(0, log.lastIndex());
                        log.truncateAfter(keep);
                        forced = Math.min(forced, keep);
                        term++;
                    }
                    ByteBuf records = Unpooled.buffer();
                    for (int i = random.nextInt(1, 8); i > 0; i--) {
                        long index = log.lastIndex() + 1 + (records.writerIndex() == 0 ? 0 : count(records));
                        byte[] value = new byte[random.nextInt(0, 3000)];
                        random.nextBytes(value);
                        RecordCodec.write(records, term, index, value);
                        written.put(index, value);
                    }
                    log.append(records);
                    records.release();
                    if (batch > 1) {
                        log.force();
                        forced = log.lastIndex();
                    }
                }
            }
            platter.cut(logDir, random);
            try (SegmentedLog log = SegmentedLog.open(logDir, 16 * 1024, 0, 0)) {
                assertTrue(log.lastIndex() >= forced, where + ": forced records up to " + forced + " kept, but the log ends at " + log.lastIndex());
                assertTrue(log.cut() == null || log.cut().explained(), where + ": " + log.cut());
                for (long i = 1; i <= log.lastIndex(); i++) {
                    ByteBuf read = log.read(i, 1, ByteBufAllocator.DEFAULT);
                    try {
                        assertArrayEquals(written.get(i), RecordCodec.payload(read, 0), where + ": index " + i);
                    } finally {
                        read.release();
                    }
                }
            }
        }
    }

    private static long count(ByteBuf records) {
        long n = 0;
        for (int at = 0; at < records.writerIndex(); at += RecordCodec.recordSize(records, at)) {
            n++;
        }
        return n;
    }
}
