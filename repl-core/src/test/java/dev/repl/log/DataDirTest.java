package dev.repl.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
