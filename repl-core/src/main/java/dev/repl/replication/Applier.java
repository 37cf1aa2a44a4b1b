package dev.repl.replication;

import dev.repl.api.StateMachine;
import dev.repl.log.RecordCodec;
import dev.repl.log.SegmentedLog;
import dev.repl.state.SnapshotStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that applies committed entries to the state machine, in index order, reading
 * them back from the log (the page cache, mostly). It completes the future of the proposal at
 * each index with the state machine's answer, wakes reads waiting for an index to be applied,
 * keeps a digest of every record applied (equal applied indexes give equal digests on every
 * node), and every {@code snapshotEvery} entries writes a snapshot and has the log compacted
 * behind it, keeping {@code retain} entries for followers that are a little behind.
 */
final class Applier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Applier.class);
    private static final int READ_BYTES = 1024 * 1024;

    /** Compacts the log up to an index; run by the log's writer. */
    interface Compactor {
        void compactUpTo(long index, long term);
    }

    private final String nodeName;
    private final SegmentedLog segments;
    private final TailCache tail;
    private final StateMachine stateMachine;
    private final SnapshotStore snapshots;
    private final Compactor compactor;
    private final long snapshotEvery;
    private final long retain;
    private final Thread thread;
    /** A proposal's answer, due when the entry of its index and term is applied. */
    private record Waiting(long term, CompletableFuture<byte[]> answer) {
    }

    private final Map<Long, Waiting> proposals = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> barriers = new ConcurrentSkipListMap<>();
    /** A snapshot from the leader to replace the state with, and who waits for it. */
    private record Install(SnapshotStore.Snapshot snapshot, CompletableFuture<Void> done) {
    }

    private final Queue<Install> installs = new ArrayDeque<>();
    private final Object lock = new Object();
    private LongConsumer appliedListener = index -> { };
    private volatile long commitIndex;
    private volatile long appliedIndex;
    private volatile long digest;
    private volatile long snapshotIndex;
    private volatile boolean stopped;
    private volatile ApplyFailedException failure;

    Applier(String nodeName, SegmentedLog segments, TailCache tail, StateMachine stateMachine, SnapshotStore snapshots, Compactor compactor,
            long snapshotEvery, long retain, long appliedIndex, long digest) {
        this.nodeName = nodeName;
        this.segments = segments;
        this.tail = tail;
        this.stateMachine = stateMachine;
        this.snapshots = snapshots;
        this.compactor = compactor;
        this.snapshotEvery = snapshotEvery;
        this.retain = retain;
        this.appliedIndex = appliedIndex;
        this.commitIndex = appliedIndex;
        this.snapshotIndex = appliedIndex;
        this.digest = digest;
        this.thread = new Thread(this::run, nodeName + "-applier");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Told, on this thread, of every index applied. */
    void onApplied(LongConsumer listener) {
        this.appliedListener = listener;
    }

    long commitIndex() {
        return commitIndex;
    }

    long appliedIndex() {
        return appliedIndex;
    }

    long digest() {
        return digest;
    }

    long snapshotIndex() {
        return snapshotIndex;
    }

    /** Why applying stopped, or null while it runs. */
    ApplyFailedException failure() {
        return failure;
    }

    /** Entries up to {@code index} are committed; they are applied as soon as this thread gets to them. */
    void commit(long index) {
        synchronized (lock) {
            if (index > commitIndex) {
                commitIndex = index;
                lock.notifyAll();
            }
        }
    }

    /**
     * The future the proposal at {@code index} in {@code term} completes with once applied: the
     * state machine's answer; exceptionally if the entry applied there is of another term (a new
     * leader replaced it, and it was never applied).
     */
    CompletableFuture<byte[]> await(long index, long term) {
        CompletableFuture<byte[]> answer = proposals.computeIfAbsent(index, i -> new Waiting(term, new CompletableFuture<>())).answer();
        ApplyFailedException failed = failure;
        if (failed != null) {
            answer.completeExceptionally(failed); // stopped before it got here, or while this was added
        }
        return answer;
    }

    /** Forgets the future of the proposal at {@code index} in {@code term} (its client was answered otherwise); not a later one's. */
    void forget(long index, long term) {
        proposals.computeIfPresent(index, (i, waiting) -> waiting.term() == term ? null : waiting);
    }

    /** Completes once everything up to {@code index} is applied. */
    CompletableFuture<Void> appliedUpTo(long index) {
        if (appliedIndex >= index) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = barriers.computeIfAbsent(index, i -> new CompletableFuture<>());
        if (appliedIndex >= index) {
            // Applied while this was added: the applier may have passed it by, so it is released here.
            barriers.remove(index, done);
            done.complete(null);
        }
        ApplyFailedException failed = failure;
        if (failed != null) {
            done.completeExceptionally(failed); // it will never be applied here
        }
        return done;
    }

    /**
     * Replaces the state with a snapshot's, on this thread; completes when done. A restore that
     * fails leaves the state machine in no known state: applying stops, as when {@code apply} throws.
     */
    CompletableFuture<Void> install(SnapshotStore.Snapshot snapshot) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            if (failure != null || stopped) {
                done.completeExceptionally(failure != null ? failure : new IllegalStateException(nodeName + ": the applier is closed"));
                return done;
            }
            installs.add(new Install(snapshot, done));
            lock.notifyAll();
        }
        return done;
    }

    private void restore(Install install) {
        SnapshotStore.Snapshot snapshot = install.snapshot();
        try (InputStream body = snapshot.body()) {
            stateMachine.restore(body);
        } catch (IOException | RuntimeException | Error e) {
            throw new ApplyFailedException("restoring the snapshot at index " + snapshot.index() + " failed: " + e, e);
        }
        appliedIndex = snapshot.index();
        snapshotIndex = snapshot.index();
        digest = snapshot.digest();
        commitIndex = Math.max(commitIndex, snapshot.index());
        releaseBarriers(appliedIndex);
        install.done().complete(null);
    }

    private void run() {
        while (!stopped) {
            Install install;
            synchronized (lock) {
                while (!stopped && installs.isEmpty() && (appliedIndex >= commitIndex || appliedIndex >= available() || behindTheLog())) {
                    try {
                        lock.wait(TimeUnit.SECONDS.toMillis(1));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                install = installs.poll();
            }
            if (stopped) {
                if (install != null) {
                    install.done().completeExceptionally(new IllegalStateException(nodeName + ": the applier is closed"));
                }
                return;
            }
            try {
                if (install != null) {
                    restore(install);
                } else {
                    applyNext();
                }
            } catch (Throwable e) { // an Error from a state machine too: anything uncaught here would leave every waiter hanging
                if (stopped) { // the log was closed under it: no failure, and the owners answer their waiters
                    if (install != null) {
                        install.done().completeExceptionally(new IllegalStateException(nodeName + ": the applier is closed"));
                    }
                    return;
                }
                fail(e, install);
                return;
            }
        }
    }

    private void fail(Throwable e, Install current) {
        ApplyFailedException failed = e instanceof ApplyFailedException known ? known
                : new ApplyFailedException("applying committed entries stopped at index " + (appliedIndex + 1) + ": " + e, e);
        List<Install> queued;
        synchronized (lock) {
            failure = failed;
            queued = new ArrayList<>(installs);
            installs.clear();
        }
        log.error("{}: {}; this node takes no writes and serves no reads until it is restarted", nodeName, failed.getMessage());
        // Reads of what was applied before the failure may still be answered; those waiting for more learn why at once,
        // as do proposals, which are committed (or may be) but not applied here.
        releaseBarriers(appliedIndex);
        proposals.values().forEach(w -> w.answer().completeExceptionally(failed));
        barriers.values().forEach(b -> b.completeExceptionally(failed));
        if (current != null) {
            current.done().completeExceptionally(failed);
        }
        queued.forEach(i -> i.done().completeExceptionally(failed));
    }

    /**
     * Whether the next entry to apply is in neither the log nor memory: a follower's log was reset
     * to a snapshot from the leader, whose install task comes next. Until then there is nothing to read.
     */
    private boolean behindTheLog() {
        return appliedIndex < segments.baseIndex() && tail.termAt(appliedIndex + 1) < 0;
    }

    /** The last index there is to apply: in the log, or in the leader's newest entries not yet written. */
    private long available() {
        return Math.max(segments.lastIndex(), tail.lastIndex());
    }

    /** Applies the next run of committed entries, from memory when the leader still has them there, else from the log. */
    private void applyNext() throws IOException {
        long upTo = Math.min(commitIndex, available());
        ByteBuf records = tail.read(appliedIndex + 1, READ_BYTES, ByteBufAllocator.DEFAULT);
        if (records == null) {
            if (behindTheLog()) {
                return; // the log moved past us while we looked: the snapshot's install task is on its way
            }
            try {
                records = segments.read(appliedIndex + 1, READ_BYTES, ByteBufAllocator.DEFAULT);
            } catch (IllegalArgumentException | IOException e) {
                if (behindTheLog()) {
                    return; // reset under our read (its segments deleted and closed): the same
                }
                throw e;
            }
        }
        try {
            for (int at = records.readerIndex(); at < records.writerIndex(); at += RecordCodec.recordSize(records, at)) {
                long index = RecordCodec.index(records, at);
                if (index > upTo) {
                    break;
                }
                byte[] command = RecordCodec.payload(records, at);
                // An empty entry is a new leader's no-op: it commits the entries of earlier terms, and changes nothing.
                byte[] answer = command.length == 0 ? command : apply(index, command);
                digest = digest * 31 + RecordCodec.checksum(records, at);
                appliedIndex = index;
                Waiting waiting = proposals.remove(index);
                if (waiting != null) {
                    long term = RecordCodec.term(records, at);
                    if (waiting.term() == term) {
                        waiting.answer().complete(answer);
                    } else {
                        waiting.answer().completeExceptionally(new NotLeaderException("index " + index + " holds an entry of term " + term
                                + ", not the write proposed there in term " + waiting.term() + ": another leader replaced it"));
                    }
                }
                appliedListener.accept(index);
            }
        } finally {
            records.release();
        }
        releaseBarriers(appliedIndex);
        if (snapshotEvery > 0 && appliedIndex - snapshotIndex >= snapshotEvery) {
            snapshot();
        }
    }

    private byte[] apply(long index, byte[] command) {
        try {
            return stateMachine.apply(index, command);
        } catch (RuntimeException | Error e) {
            throw new ApplyFailedException("the state machine failed to apply index " + index + ": " + e, e);
        }
    }

    /** One at a time: a barrier added between completing a range and clearing it would otherwise be dropped unanswered. */
    private void releaseBarriers(long applied) {
        for (Map.Entry<Long, CompletableFuture<Void>> first = barriers.firstEntry(); first != null && first.getKey() <= applied;
                first = barriers.firstEntry()) {
            if (barriers.remove(first.getKey(), first.getValue())) {
                first.getValue().complete(null);
            }
        }
    }

    private void snapshot() throws IOException {
        long index = appliedIndex;
        long term = segments.termAt(index);
        if (term < 0) {
            return; // applied from memory and not yet in the log's files: the next applied run tries again
        }
        long start = System.nanoTime();
        SnapshotStore.Snapshot written;
        try {
            written = snapshots.write(index, term, digest, stateMachine::snapshot);
        } catch (IOException | RuntimeException | Error e) {
            throw new ApplyFailedException("writing the snapshot at index " + index + " failed: " + e, e);
        }
        snapshotIndex = index;
        log.info("{}: snapshot at index {} (term {}, {} bytes) in {} ms", nodeName, index, term, written.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        long compactTo = index - retain;
        if (compactTo > segments.baseIndex()) {
            compactor.compactUpTo(compactTo, segments.termAt(compactTo));
        }
    }

    /**
     * Stops the thread; proposals not yet applied stay incomplete, for their owners to answer, and
     * snapshots queued for installing fail. Idempotent.
     */
    @Override
    public void close() {
        List<Install> queued;
        synchronized (lock) {
            stopped = true;
            queued = new ArrayList<>(installs);
            installs.clear();
            lock.notifyAll();
        }
        queued.forEach(i -> i.done().completeExceptionally(new IllegalStateException(nodeName + ": the applier is closed")));
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
