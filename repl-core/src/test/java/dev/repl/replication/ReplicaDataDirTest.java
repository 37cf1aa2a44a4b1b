package dev.repl.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.Acks;
import dev.repl.api.KeyValueStore;
import dev.repl.api.LogOptions;
import dev.repl.log.DataDir;
import dev.repl.log.Fsync;
import dev.repl.log.LogCorruptException;
import dev.repl.state.SnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data directory belongs to one member: a copy started as another is refused, naming both. */
class ReplicaDataDirTest {

    @TempDir
    Path dir;

    private final LogOptions options = new LogOptions(64 * 1024, 0, 0, 64 * 1024, 256 * 1024, Acks.QUORUM, Duration.ofSeconds(5));

    private Replica open(String member) throws Exception {
        return Replica.open(member, dir, "repl", new KeyValueStore(), options);
    }

    @Test
    void aDirectoryStartedAsAnotherMemberIsRefusedNamingBoth() throws Exception {
        try (Replica n1 = open("n1")) {
            n1.vote(2, "n1").get();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> open("x1").close());
        assertEquals("data dir " + dir + " belongs to member 'n1', not 'x1'", e.getMessage());
        try (Replica again = open("n1")) {
            assertEquals(2, again.currentTerm(), "its own member still starts on it, nothing changed");
            assertEquals("n1", again.votedFor());
        }
    }

    @Test
    void aDirectoryWrittenBeforeMembersWereRecordedIsAdoptedByItsFirstStart() throws Exception {
        Files.writeString(dir.resolve("meta.json"), "{\"clusterId\":\"repl\",\"currentTerm\":3,\"votedFor\":\"n2\"}");
        try (Replica n1 = open("n1")) {
            assertEquals(3, n1.currentTerm());
            assertEquals("n2", n1.votedFor());
        }
        String meta = Files.readString(dir.resolve("meta.json"));
        assertTrue(meta.contains("\"member\":\"n1\""), meta);
        assertThrows(IllegalStateException.class, () -> open("x1").close());
    }

    @Test
    void aMemberWhoseLogWasRemovedKnowsItMayHaveLostWhatItAcknowledged() throws Exception {
        try (Replica n1 = open("n1")) {
            n1.vote(4, "n2").get();
            assertNull(n1.votesWithheld());
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dir.resolve("log"))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        try (Replica n1 = open("n1")) {
            assertEquals(4, n1.currentTerm(), "its term and vote are kept");
            assertEquals(new DataDir.VotesWithheld(4, Long.MAX_VALUE), n1.votesWithheld(), "no vote until a leader of a term after 4 has replicated to it");
        }
        try (Replica n1 = open("n1")) {
            assertEquals(new DataDir.VotesWithheld(4, Long.MAX_VALUE), n1.votesWithheld(), "a restart before it caught up does not forget");
        }
    }

    @Test
    void aDamagedSnapshotTheLogDoesNotReachBackPastIsRefusedNamingIt() throws Exception {
        LogOptions compacting = new LogOptions(4096, 50, 0, 64 * 1024, 256 * 1024, Acks.QUORUM, Duration.ofSeconds(5));
        try (Replica n1 = Replica.open("n1", dir, "repl", new KeyValueStore(), compacting)) {
            n1.follow(1, "leader").get();
            io.netty.buffer.ByteBuf records = io.netty.buffer.Unpooled.buffer();
            for (long i = 1; i <= 400; i++) {
                dev.repl.log.RecordCodec.write(records, 1, i, dev.repl.kv.KvCommand.put("k" + i, new byte[50]).encode());
            }
            n1.writer().submit(log -> {
                log.append(records);
                return null;
            }, records.readableBytes()).get();
            records.release();
            n1.applier().commit(400);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> n1.appliedIndex() == 400
                    && n1.segments().firstIndex() > 1);
        }
        Path snapshot;
        try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("snapshots"))) {
            snapshot = files.filter(f -> f.toString().endsWith(".snap")).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(snapshot);
        b[b.length - 1] ^= 1;
        Files.write(snapshot, b);
        dev.repl.log.LogCorruptException e = assertThrows(dev.repl.log.LogCorruptException.class,
                () -> Replica.open("n1", dir, "repl", new KeyValueStore(), compacting).close());
        assertTrue(e.getMessage().startsWith(snapshot + " is corrupt: checksum mismatch, and the log does not reach back past it"),
                e.getMessage());
    }

    @Test
    void aDamagedSnapshotPastTheEndOfTheLogIsRefusedNotDroppedSilently() throws Exception {
        // A follower installed its leader's snapshot at 5 and has no log after it; then the snapshot rots.
        open("n1").close();
        SnapshotStore.Snapshot written = new SnapshotStore(dir.resolve("snapshots"), Fsync.ofDisk()).write(5, 1, 0, new KeyValueStore()::snapshot);
        try (Replica n1 = open("n1")) {
            assertEquals(5, n1.segments().lastIndex());
        }
        byte[] b = Files.readAllBytes(written.file());
        b[SnapshotStore.HEADER_BYTES - 1] ^= 1;
        Files.write(written.file(), b);
        LogCorruptException e = assertThrows(LogCorruptException.class, () -> open("n1").close());
        assertTrue(e.getMessage().startsWith(written.file() + " is corrupt: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("and the log ends at index 0, before it: what it held is nowhere else on this member"), e.getMessage());
    }

    @Test
    void votesWithheldOnceAreForgottenWhenTheLogHasCaughtUp() throws Exception {
        try (Replica n1 = open("n1")) {
            n1.follow(5, "leader").get();
            io.netty.buffer.ByteBuf records = io.netty.buffer.Unpooled.buffer();
            dev.repl.log.RecordCodec.write(records, 5, 1, new byte[0]);
            n1.writer().submit(log -> {
                log.append(records);
                return null;
            }, 0).get();
            records.release();
        }
        try (DataDir d = DataDir.open(dir, "repl", "n1", Fsync.ofDisk())) {
            d.save(new DataDir.Metadata("repl", "n1", 5, "leader", new DataDir.VotesWithheld(4, Long.MAX_VALUE)));
        }
        try (Replica n1 = open("n1")) {
            assertNull(n1.votesWithheld(), "its log holds an entry of term 5, after the 4 it withheld through");
        }
    }
}
