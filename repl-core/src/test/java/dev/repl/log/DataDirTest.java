package dev.repl.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.testing.FailingDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member's data directory: created durably. */
class DataDirTest {

    @TempDir
    Path tmp;
    private final FailingDisk disk = new FailingDisk();

    @Test
    void everyDirectoryItCreatesIsForcedIntoItsParent() throws Exception {
        Path dir = tmp.resolve("members").resolve("n1");
        try (DataDir opened = DataDir.open(dir, "repl", "n1", new Fsync(disk))) {
            assertTrue(Files.isDirectory(opened.logDir()) && Files.isDirectory(opened.snapshotDir()));
        }
        // members/ in tmp, n1/ in members/, log/ and snapshots/ in n1/ (and meta.json, renamed there last)
        assertTrue(disk.forced().contains(tmp), disk.forced().toString());
        assertTrue(disk.forced().contains(tmp.resolve("members")), disk.forced().toString());
        assertTrue(disk.forced().indexOf(dir) < disk.forced().indexOf(dir.resolve("meta.json.tmp")),
                "log/ and snapshots/ are durable before meta.json says the directory is in use: " + disk.forced());
    }

    @Test
    void aDirectoryFsyncThatFailsStopsTheStart() {
        Path dir = tmp.resolve("n1");
        disk.fail(tmp::equals);
        FsyncFailedException e = assertThrows(FsyncFailedException.class, () -> DataDir.open(dir, "repl", "n1", new Fsync(disk)).close());
        assertEquals("fsync of " + tmp + " failed: Input/output error", e.getMessage());
    }

    private DataDir open(Path dir) throws Exception {
        return DataDir.open(dir, "repl", "n1", Fsync.ofDisk());
    }

    @Test
    void aFlippedBitInMetaJsonIsRefusedNotBelieved() throws Exception {
        Path dir = tmp.resolve("n1");
        try (DataDir d = open(dir)) {
            d.save(d.metadata().withVote(5, "n2"));
        }
        Path meta = dir.resolve("meta.json");
        String json = Files.readString(meta);
        assertTrue(json.contains("\"currentTerm\":5"), json);
        Files.writeString(meta, json.replace("\"currentTerm\":5", "\"currentTerm\":4")); // '5' ^ 0x01: a term it could vote in again
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(dir).close());
        assertTrue(e.getMessage().startsWith(meta + " is corrupt: checksum mismatch"), e.getMessage());
    }

    @Test
    void aTruncatedMetaJsonIsRefusedNamingTheOffset() throws Exception {
        Path dir = tmp.resolve("n1");
        open(dir).close();
        Path meta = dir.resolve("meta.json");
        byte[] whole = Files.readAllBytes(meta);
        Files.write(meta, java.util.Arrays.copyOf(whole, 20));
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open(dir).close());
        assertTrue(e.getMessage().startsWith(meta + " is corrupt at offset "), e.getMessage());
    }

    @Test
    void metaJsonWrittenBeforeItHadAChecksumIsTakenAsItIs() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("n1").resolve("log")).getParent(); // as an earlier version left it
        Files.writeString(dir.resolve("meta.json"), "{\"clusterId\":\"repl\",\"member\":\"n1\",\"currentTerm\":3,\"votedFor\":\"n2\"}");
        try (DataDir d = open(dir)) {
            assertEquals(new DataDir.Metadata("repl", "n1", 3, "n2"), d.metadata());
        }
    }

    @Test
    void aLogRemovedWithMetaJsonKeptIsRecordedBeforeTheLogIsMadeAgain() throws Exception {
        Path dir = tmp.resolve("n1");
        try (DataDir d = open(dir)) {
            assertNull(d.metadata().withheld(), "a new directory");
            d.save(d.metadata().withTerm(4));
        }
        try (DataDir d = open(dir)) {
            assertNull(d.metadata().withheld(), "a restart");
        }
        Files.delete(dir.resolve("log"));
        // A start that fails after the check (another member's id) must not leave log/ made again, unrecorded.
        assertThrows(DataDir.OtherMemberException.class, () -> DataDir.open(dir, "repl", "x1", Fsync.ofDisk()).close());
        try (DataDir d = open(dir)) {
            assertEquals(new DataDir.VotesWithheld(4, Long.MAX_VALUE), d.metadata().withheld(), "its term and vote kept, its records gone");
        }
        try (DataDir d = open(dir)) {
            assertEquals(new DataDir.VotesWithheld(4, Long.MAX_VALUE), d.metadata().withheld(), "and not forgotten at the next start");
        }
    }

    @Test
    void aLogOfAnEarlierFormatIsRefusedNotCut() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("n1").resolve("log")).getParent();
        Files.writeString(dir.resolve("meta.json"), "{\"clusterId\":\"repl\",\"member\":\"n1\",\"currentTerm\":3,\"votedFor\":\"n2\"}");
        Files.write(dir.resolve("log").resolve("00000000000000000001.log"), new byte[] {0, 0, 0, 17});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> open(dir).close());
        assertTrue(e.getMessage().contains("holds a log in the format of an earlier version, which this version (format 2) can neither read nor convert"),
                e.getMessage());
        assertEquals(4, Files.size(dir.resolve("log").resolve("00000000000000000001.log")), "and nothing of it is cut");
    }
}
