package dev.repl.replication;

import dev.repl.api.LogOptions;
import dev.repl.api.StateMachine;
import dev.repl.election.MemberId;
import dev.repl.log.DataDir;
import dev.repl.log.Fsync;
import dev.repl.log.LogCorruptException;
import dev.repl.log.LogWriter;
import dev.repl.log.SegmentedLog;
import dev.repl.state.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's copy of the replicated log and the state machine it drives: the data directory, the
 * log and its writer thread, the snapshots, the applier thread, and a reader thread for log reads
 * that must not run on an event loop. The leader and the follower build their parts on it.
 * Opening it recovers the log and restores the newest snapshot; {@link #close} ends every thread
 * and releases the directory.
 */
public final class Replica implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Replica.class);

    private final String name;
    private final DataDir dataDir;
    private final SnapshotStore snapshots;
    private final SegmentedLog segments;
    private final LogWriter writer;
    private final StateMachine stateMachine;
    private final Applier applier;
    private final TailCache tail;
    private final ExecutorService reader;
    private boolean closed;

    private Replica(String name, DataDir dataDir, SnapshotStore snapshots, SegmentedLog segments, StateMachine stateMachine,
                    LogOptions options, long appliedIndex, long digest) {
        this.name = name;
        this.dataDir = dataDir;
        this.snapshots = snapshots;
        this.segments = segments;
        this.stateMachine = stateMachine;
        this.writer = new LogWriter(name, segments);
        dataDir.fsync().onFailure(writer::fsyncFailed); // the applier's snapshots too: any failed fsync stops the log
        this.tail = new TailCache(options.maxInflightBytes());
        this.applier = new Applier(name, segments, tail, stateMachine, snapshots, this::compactUpTo, options.snapshotEvery(),
                options.retainEntries(), appliedIndex, digest);
        this.reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name + "-log-reader");
            t.setDaemon(true);
            return t;
        });
        applier.start();
    }

    /**
     * Opens the node's data directory, recovering its log and restoring its newest snapshot.
     *
     * @throws dev.repl.log.LogCorruptException naming the file and offset when the log is damaged before its end
     * @param name the member: its data directory must be its own (or one written before members were recorded)
     * @throws IllegalStateException when the directory is another cluster's or member's, or in use
     */
    public static Replica open(String name, Path dir, String clusterId, StateMachine stateMachine, LogOptions options) throws IOException {
        return open(name, dir, clusterId, stateMachine, options, Fsync.ofDisk());
    }

    /** As {@link #open(String, Path, String, StateMachine, LogOptions)}, forcing everything in the directory through {@code fsync}. */
    public static Replica open(String name, Path dir, String clusterId, StateMachine stateMachine, LogOptions options, Fsync fsync)
            throws IOException {
        DataDir dataDir = DataDir.open(dir, clusterId, name, fsync);
        try {
            SnapshotStore snapshots = new SnapshotStore(dataDir.snapshotDir(), fsync);
            Optional<SnapshotStore.Snapshot> latest = snapshots.latest();
            long base = 0;
            long baseTerm = 0;
            long digest = 0;
            if (latest.isPresent()) {
                SnapshotStore.Snapshot s = latest.get();
                try (InputStream body = s.body()) {
                    stateMachine.restore(body);
                }
                base = s.index();
                baseTerm = s.term();
                digest = s.digest();
            }
            SegmentedLog segments;
            try {
                segments = SegmentedLog.open(dataDir.logDir(), options.segmentBytes(), base, baseTerm, fsync, cut -> {
                    if (!cut.explained()) {
                        forgetLifted(dataDir, cut.fromIndex() - 1, cut.keptTerm()); // an old loss the log has caught up with bounds nothing now
                        withholdVotes(name, dataDir, cut.upToIndex(), "recovery cuts index " + cut.fromIndex() + " on from its log");
                    }
                });
            } catch (LogCorruptException e) {
                // A damaged newer snapshot, skipped, is why the log does not connect: name it, the cause.
                Optional<String> damaged = snapshots.damagedAfter(base);
                if (damaged.isPresent()) {
                    throw new LogCorruptException(damaged.get() + ", and the log does not reach back past it (" + e.getMessage() + ")");
                }
                throw e;
            }
            Optional<String> lost = snapshots.damagedAfter(segments.lastIndex());
            if (lost.isPresent()) {
                segments.close();
                throw new LogCorruptException(lost.get() + ", and the log ends at index " + segments.lastIndex()
                        + ", before it: what it held is nowhere else on this member");
            }
            forgetLifted(dataDir, segments.lastIndex(), segments.lastTerm());
            log.info("{}: log {}..{} (term {}), snapshot at {}, term {} in {}", name, segments.firstIndex(), segments.lastIndex(),
                    segments.lastTerm(), base, dataDir.metadata().currentTerm(), dir);
            return new Replica(name, dataDir, snapshots, segments, stateMachine, options, base, digest);
        } catch (IOException | RuntimeException e) {
            dataDir.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public SegmentedLog segments() {
        return segments;
    }

    public LogWriter writer() {
        return writer;
    }

    public StateMachine stateMachine() {
        return stateMachine;
    }

    public SnapshotStore snapshots() {
        return snapshots;
    }

    Applier applier() {
        return applier;
    }

    TailCache tail() {
        return tail;
    }

    /** The term of the entry at {@code index}, from the newest entries in memory or the log; -1 when neither holds it. */
    long termAt(long index) {
        long term = tail.termAt(index);
        return term >= 0 ? term : segments.termAt(index);
    }

    /** The thread that reads the log for those who must not block. */
    public ExecutorService reader() {
        return reader;
    }

    public long currentTerm() {
        return dataDir.metadata().currentTerm();
    }

    /** Durably moves to {@code term}, in order with the log's changes. */
    public CompletableFuture<Void> saveTerm(long term) {
        return writer.submit(log -> {
            if (term > dataDir.metadata().currentTerm()) {
                newTerm(term);
                dataDir.save(dataDir.metadata().withTerm(term));
            }
            return null;
        }, 0);
    }

    /**
     * Durably follows {@code leaderId} in {@code term}, unless this node has seen a later term or
     * already follows another leader in this one: a node follows one leader per term, as Raft
     * grants one vote per term, and the choice survives a restart. In order with the log's
     * changes; completes with whether it follows.
     */
    public CompletableFuture<Boolean> follow(long term, String leaderId) {
        return follow(term, leaderId, false);
    }

    /**
     * @param elected the leader won an election: only one can have won {@code term}, so it is
     *                followed whoever this node voted for, unless it already follows another
     *                leader in that term
     */
    public CompletableFuture<Boolean> follow(long term, String leaderId, boolean elected) {
        return writer.submit(log -> {
            DataDir.Metadata m = dataDir.metadata();
            if (term < m.currentTerm()) {
                return false;
            }
            boolean votedForAnother = m.votedFor() != null && !MemberId.sameNode(m.votedFor(), leaderId);
            // A vote given to another candidate does not keep out the leader a majority elected; a
            // leader already followed in this term does (a leader's id is name#incarnation).
            if (term == m.currentTerm() && votedForAnother && (!elected || MemberId.incarnationOf(m.votedFor()) != null)) {
                return false;
            }
            if (term != m.currentTerm() || !leaderId.equals(m.votedFor())) {
                newTerm(term);
                dataDir.save(m.withVote(term, leaderId));
            }
            return true;
        }, 0);
    }

    /**
     * Durably records {@code term} and the vote given in it ({@code votedFor}, or null for none
     * yet), in order with the log's changes; completes with whether it did. An election's storage,
     * checked here because the node's streams change the term too: a term never goes back, and a
     * vote (or a leader followed) in a term is never replaced by another in the same term.
     */
    public CompletableFuture<Boolean> vote(long term, String votedFor) {
        return writer.submit(log -> {
            DataDir.Metadata m = dataDir.metadata();
            if (term < m.currentTerm()) {
                return false;
            }
            if (term == m.currentTerm() && m.votedFor() != null) {
                return votedFor == null || MemberId.sameNode(m.votedFor(), votedFor);
            }
            if (term != m.currentTerm() || votedFor != null) {
                newTerm(term);
                dataDir.save(m.withVote(term, votedFor));
            }
            return true;
        }, 0);
    }

    /**
     * A new term: the newest entries kept in memory were proposed by this node as an earlier
     * term's leader, and a new leader may replace them, so none of them may be sent or applied.
     */
    private void newTerm(long term) {
        if (term > dataDir.metadata().currentTerm()) {
            tail.fence(term);
        }
    }

    /** Whom this node follows (or leads as) in its current term, or null. */
    public String votedFor() {
        return dataDir.metadata().votedFor();
    }

    public long commitIndex() {
        return applier.commitIndex();
    }

    public long appliedIndex() {
        return applier.appliedIndex();
    }

    /** A digest of every record applied, in order: nodes at the same applied index have the same digest. */
    public long digest() {
        return applier.digest();
    }

    public long snapshotIndex() {
        return applier.snapshotIndex();
    }

    /** Forgets votes withheld once, when the log has caught up since: an old loss must not widen a new one. */
    private static void forgetLifted(DataDir dataDir, long lastIndex, long lastTerm) throws IOException {
        DataDir.VotesWithheld withheld = dataDir.metadata().withheld();
        if (withheld != null && withheld.liftedBy(lastIndex, lastTerm)) {
            dataDir.save(dataDir.metadata().withoutVotesWithheld());
        }
    }

    /** Records that this member lost records it may have acknowledged, none past {@code upTo}, before they are cut. */
    private static void withholdVotes(String name, DataDir dataDir, long upTo, String why) throws IOException {
        dataDir.save(dataDir.metadata().withVotesWithheld(upTo));
        log.warn("{}: {}: records this member may have acknowledged are lost; it votes and stands again once a leader of a term after {}"
                + " has replicated to it, or its log reaches index {}", name, why, dataDir.metadata().currentTerm(), upTo);
    }

    /**
     * Until when this member must not vote or stand, as recorded in {@code meta.json} (so that a
     * restart before it caught up does not forget), or null when it may (see {@code Election}).
     */
    public DataDir.VotesWithheld votesWithheld() {
        return dataDir.metadata().withheld();
    }

    /** Why this node's log takes no more writes, or else why it stopped applying them; null while both work. */
    public RuntimeException failure() {
        return writer.failure() != null ? writer.failure() : applier.failure();
    }

    /** Why this node stopped applying committed entries, or null while it applies them. */
    public ApplyFailedException applyFailure() {
        return applier.failure();
    }

    /** Completes once everything up to {@code index} is applied: a read that must see those writes waits on it. */
    public CompletableFuture<Void> appliedUpTo(long index) {
        return applier.appliedUpTo(index);
    }

    /** What the log's durability costs, for status: fsync latency and changes per fsync. */
    public void addStatsTo(Histogram fsyncMicros, Histogram batchSizes) {
        writer.addStatsTo(fsyncMicros, batchSizes);
    }

    /** The log's state now, for status and metrics. */
    public LogStatus status() {
        Histogram fsync = new Histogram(3);
        Histogram batches = new Histogram(3);
        writer.addStatsTo(fsync, batches);
        boolean any = fsync.getTotalCount() > 0;
        Throwable failure = failure();
        return new LogStatus(currentTerm(), segments.firstIndex(), segments.lastIndex(), writer.durableIndex(), commitIndex(), appliedIndex(),
                snapshotIndex(), digest(), segments.sizeBytes(), writer.forces(), any ? fsync.getValueAtPercentile(50) : -1,
                any ? fsync.getValueAtPercentile(99) : -1, any ? batches.getValueAtPercentile(50) : -1, any ? batches.getMaxValue() : -1,
                failure == null ? null : failure.getMessage(), Distribution.of(fsync, Distribution.FSYNC_SECONDS, 1e-6),
                Distribution.of(batches, Distribution.BATCH_ENTRIES, 1), snapshots.rejected());
    }

    private void compactUpTo(long index, long term) {
        writer.submit(log -> {
            log.compactUpTo(index, term);
            return null;
        }, 0);
    }

    /** Ends the applier, the reader and the writer (running what it has queued), and releases the directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        applier.close();
        // Not shutdownNow: interrupting a read closes the file channel it reads, which the writer shares.
        reader.shutdown();
        try {
            reader.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.close();
        tail.close();
        try {
            dataDir.close();
        } catch (IOException e) {
            log.warn("{}: releasing {}: {}", name, dataDir.path(), e.getMessage());
        }
    }
}
