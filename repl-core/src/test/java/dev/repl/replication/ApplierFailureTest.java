package dev.repl.replication;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.Acks;
import dev.repl.api.LogOptions;
import dev.repl.log.Fsync;
import dev.repl.state.SnapshotStore;
import dev.repl.testing.ForwardingStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A leader's snapshot that cannot be restored leaves the state in no known state: applying stops, and nobody waits for it. */
class ApplierFailureTest {

    @TempDir
    Path dir;
    private Replica replica;

    /** The bundled store, except that it cannot take a snapshot from outside. */
    private static final class UnrestorableStore extends ForwardingStore {
        @Override
        public void restore(InputStream in) {
            throw new StackOverflowError("restore went too deep"); // an Error, not an exception: it must stop the applier all the same
        }
    }

    @AfterEach
    void close() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void aRestoreThatThrowsStopsApplyingAndEveryWaiterIsAnswered() throws Exception {
        replica = Replica.open("r", dir.resolve("node"), "repl", new UnrestorableStore(),
                new LogOptions(64 * 1024, 0, 0, 64 * 1024, 256 * 1024, Acks.QUORUM, Duration.ofSeconds(5)));
        SnapshotStore.Snapshot snapshot = new SnapshotStore(Files.createDirectories(dir.resolve("from-leader")), Fsync.ofDisk()).write(5, 1, 0,
                out -> out.write("a leader's state".getBytes(StandardCharsets.UTF_8)));
        var waiting = replica.appliedUpTo(3);

        ExecutionException e = assertThrows(ExecutionException.class, () -> replica.applier().install(snapshot).get(10, TimeUnit.SECONDS));
        ApplyFailedException failed = assertInstanceOf(ApplyFailedException.class, e.getCause());
        assertTrue(failed.getMessage().startsWith("restoring the snapshot at index 5 failed: java.lang.StackOverflowError"), failed.getMessage());
        assertNotNull(replica.applyFailure());

        assertInstanceOf(ApplyFailedException.class, assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS)).getCause(),
                "a read waiting for entries that will never be applied here is told why");
        var later = replica.applier().install(snapshot);
        assertTrue(later.isCompletedExceptionally(), "a later snapshot is refused at once");
        assertInstanceOf(ApplyFailedException.class, assertThrows(ExecutionException.class, later::get).getCause());
        var laterRead = replica.appliedUpTo(9);
        assertTrue(laterRead.isCompletedExceptionally(), "and so is a later read");
        assertInstanceOf(ApplyFailedException.class, assertThrows(ExecutionException.class, laterRead::get).getCause());
    }
}
