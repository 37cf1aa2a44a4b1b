package dev.repl.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.repl.api.Acks;
import dev.repl.api.KeyValueStore;
import dev.repl.api.LogOptions;
import dev.repl.kv.KvCommand;
import dev.repl.log.Fsync;
import dev.repl.log.RecordCodec;
import dev.repl.state.SnapshotStore;
import dev.repl.testing.ForwardingStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower installs its leader's snapshot while its applier is still reading the log the
 * snapshot replaces: the segments are deleted under the applier's reads, and it must wait for the
 * snapshot instead of failing for good.
 */
class SnapshotUnderLaggingApplierTest {

    private static final int ENTRIES = 10_000;

    @TempDir
    Path dir;
    private Replica replica;

    /** Applies slowly, so the applier is behind, reading segment after segment, when the snapshot comes. */
    private static final class SlowStore extends ForwardingStore {
        @Override
        public byte[] apply(long index, byte[] command) {
            LockSupport.parkNanos(20_000);
            return super.apply(index, command);
        }
    }

    @AfterEach
    void close() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void aSnapshotInstalledUnderALaggingApplierIsWaitedForNotAFailure() throws Exception {
        // Segments of a few records each: compaction deletes hundreds of files, one directory fsync each.
        replica = Replica.open("f", dir.resolve("node"), "repl", new SlowStore(),
                new LogOptions(4096, 0, 0, 64 * 1024, 256 * 1024, Acks.QUORUM, Duration.ofSeconds(5)));
        replica.follow(1, "leader").get(10, TimeUnit.SECONDS);
        ByteBuf records = Unpooled.buffer();
        for (long i = 1; i <= ENTRIES; i++) {
            RecordCodec.write(records, 1, i, KvCommand.put("k" + i, new byte[100]).encode());
        }
        replica.writer().submit(log -> {
            log.append(records);
            return null;
        }, records.readableBytes()).get(30, TimeUnit.SECONDS);
        records.release();
        replica.applier().commit(ENTRIES);
        await().atMost(Duration.ofSeconds(30)).until(() -> replica.appliedIndex() > 10);

        // The leader's snapshot holds everything but the last entry, and this log agrees with it: compacted, not reset.
        KeyValueStore leaderState = new KeyValueStore();
        SnapshotStore.Snapshot fromLeader = new SnapshotStore(Files.createDirectories(dir.resolve("leader")), Fsync.ofDisk()).write(ENTRIES - 1, 1, 0,
                leaderState::snapshot);
        Files.copy(fromLeader.file(), replica.snapshots().incoming());
        SnapshotStore.Snapshot accepted = replica.writer().submit(log -> {
            SnapshotStore.Snapshot s = replica.snapshots().acceptIncoming(ENTRIES - 1, 1);
            log.compactUpTo(ENTRIES - 1, 1);
            return s;
        }, 0).get(30, TimeUnit.SECONDS);
        replica.applier().install(accepted).get(30, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(30)).until(() -> replica.appliedIndex() == ENTRIES || replica.applyFailure() != null);
        assertNull(replica.applyFailure(), "the applier waited for the snapshot");
        assertEquals(ENTRIES, replica.appliedIndex(), "and applied what follows it");
    }

}
