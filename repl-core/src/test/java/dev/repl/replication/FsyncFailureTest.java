package dev.repl.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.Acks;
import dev.repl.api.KeyValueStore;
import dev.repl.api.LogOptions;
import dev.repl.log.Fsync;
import dev.repl.log.FsyncFailedException;
import dev.repl.log.LogFailedException;
import dev.repl.log.RecordCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import dev.repl.testing.FailingDisk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed fsync of anything in a member's data directory — a segment, the log directory, meta.json, a
 * snapshot — stops its log as a full disk does, and is never tried again.
 */
class FsyncFailureTest {

    @TempDir
    Path dir;
    private final FailingDisk disk = new FailingDisk();
    private Replica replica;

    @BeforeEach
    void open() throws Exception {
        replica = Replica.open("ff", dir, "repl", new KeyValueStore(),
                new LogOptions(64 * 1024, 0, 0, 64 * 1024, 256 * 1024, Acks.QUORUM, Duration.ofSeconds(5)), new Fsync(disk));
    }

    @AfterEach
    void close() {
        replica.close();
    }

    private CompletableFuture<Void> append(long index) {
        ByteBuf records = Unpooled.buffer();
        RecordCodec.write(records, 1, index, ("value-" + index).getBytes(StandardCharsets.UTF_8));
        return replica.writer().submit(log -> {
            log.append(records);
            return null;
        }, records.readableBytes());
    }

    /** The future's failure: the log's, naming what failed. */
    private static LogFailedException logFailed(CompletableFuture<?> change) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> change.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(LogFailedException.class, e.getCause());
    }

    @Test
    void aFailedFsyncOfTheLogDirectoryStopsTheLogAndIsNeverTriedAgain() throws Exception {
        Path logDir = dir.resolve("log");
        disk.fail(logDir::equals); // the first append creates a segment, and the new name is forced in log/

        LogFailedException failed = logFailed(append(1));
        assertEquals("fsync of " + logDir + " failed: Input/output error", failed.getMessage());
        assertEquals(failed, replica.writer().failure());
        assertTrue(replica.status().failure().contains("fsync of " + logDir + " failed"), replica.status().failure());

        int forcedBefore = disk.forced().size();
        disk.fail(path -> false); // even a disk that would now succeed is not asked again
        logFailed(append(2));
        logFailed(replica.vote(2, "n2"));
        assertThrows(FsyncFailedException.class, () -> replica.snapshots().write(1, 1, 0, out -> out.write(1)));
        assertEquals(forcedBefore, disk.forced().size(), "no fsync after the failed one: " + disk.forced());
    }

    @Test
    void aFailedFsyncOfTheDirectoryHoldingMetaJsonFailsTheVoteAndStopsTheLog() throws Exception {
        disk.fail(dir::equals); // meta.json.tmp is forced, renamed, then its directory forced

        LogFailedException failed = logFailed(replica.vote(1, "n2"));
        assertEquals("fsync of " + dir + " failed: Input/output error", failed.getMessage());
        assertNotNull(replica.writer().failure());
        logFailed(append(1));
    }

    @Test
    void aFailedFsyncOfASnapshotStopsTheLogThoughTheWriterDidNotWriteIt() throws Exception {
        Path snapshots = dir.resolve("snapshots");
        disk.fail(path -> path.startsWith(snapshots));

        FsyncFailedException e = assertThrows(FsyncFailedException.class,
                () -> replica.snapshots().write(1, 1, 0, out -> out.write("state".getBytes(StandardCharsets.UTF_8))));
        assertEquals("fsync of " + snapshots.resolve("writing.tmp") + " failed: Input/output error", e.getMessage());
        LogFailedException failed = replica.writer().failure();
        assertNotNull(failed, "the applier writes snapshots on its own thread: the log must hear of it all the same");
        assertEquals(e.getMessage(), failed.getMessage());
        logFailed(append(1));
    }
}
