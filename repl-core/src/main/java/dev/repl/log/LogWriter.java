package dev.repl.log;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that changes the log and the node's durable metadata. Work is queued as
 * {@link Change}s; the thread takes everything queued since its last pass, applies it in order,
 * and then forces the log once: one fsync covers every append that came while the previous one
 * ran (group commit), and a change's future completes only once its effect is durable. Nothing
 * here runs on an event loop.
 *
 * <p>A failed write or fsync is final: the log's state on disk is unknown from then on, so every
 * change queued then or later fails with a {@link LogFailedException} and the node must stop
 * taking writes. So is a failed fsync elsewhere in the data directory ({@link #fsyncFailed}).
 */
public final class LogWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);

    /** A change to the log (or what it holds), run on the writer thread; returns what its future completes with. */
    @FunctionalInterface
    public interface Change<T> {
        T apply(SegmentedLog log) throws IOException;
    }

    private record Queued<T>(Change<T> change, long bytes, CompletableFuture<T> done) {

        void run(SegmentedLog log, List<Runnable> completions) {
            try {
                T result = change.apply(log);
                completions.add(() -> done.complete(result));
            } catch (LogFailedException e) {
                throw e;
            } catch (FsyncFailedException e) {
                throw new LogFailedException(e.getMessage(), e); // it names what failed
            } catch (IOException e) {
                throw new LogFailedException("log write failed: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                completions.add(() -> done.completeExceptionally(e));
            }
        }
    }

    private static final Queued<Void> STOP = new Queued<>(log -> null, 0, new CompletableFuture<>());

    private final String nodeName;
    private final SegmentedLog segments;
    private final LinkedBlockingQueue<Queued<?>> queue = new LinkedBlockingQueue<>();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final Thread thread;
    private final Histogram fsyncMicros = new Histogram(TimeUnit.SECONDS.toMicros(60), 2);
    private final Histogram batchSizes = new Histogram(1_000_000, 2);
    private volatile LongConsumer written = index -> { };
    private volatile LongConsumer durable = index -> { };
    private final Object failing = new Object();
    private volatile LogFailedException failed;
    private volatile long forces;
    private volatile long durableIndex;
    private volatile boolean closed;

    public LogWriter(String nodeName, SegmentedLog segments) {
        this.nodeName = nodeName;
        this.segments = segments;
        this.durableIndex = segments.lastIndex();
        this.thread = new Thread(this::run, nodeName + "-log-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Queues a change; its future completes once it and everything before it is durable, or
     * exceptionally with a {@link LogFailedException} if the log can no longer be written.
     *
     * @param bytes what it adds to the queue, for {@link #pendingBytes}
     */
    public <T> CompletableFuture<T> submit(Change<T> change, long bytes) {
        CompletableFuture<T> done = new CompletableFuture<>();
        LogFailedException failure = failed;
        synchronized (this) { // with close: nothing is queued after close has taken the queue's rest
            if (failure == null && closed) {
                failure = new LogFailedException("the log is closed", null);
            }
            if (failure == null) {
                pendingBytes.addAndGet(bytes);
                queue.add(new Queued<>(change, bytes, done));
                return done;
            }
        }
        done.completeExceptionally(failure);
        return done;
    }

    /**
     * Told, on the writer thread, of the log's last index after each batch's changes are in the
     * file ({@code written}, before the force: readers may ship them) and after the force
     * ({@code durable}). Must not block.
     */
    public void listen(LongConsumer written, LongConsumer durable) {
        this.written = written;
        this.durable = durable;
    }

    /** Bytes queued and not yet durable: callers stop taking more while this is high. */
    public long pendingBytes() {
        return pendingBytes.get();
    }

    /** The last index known durable. */
    public long durableIndex() {
        return durableIndex;
    }

    /** Forces so far: one per batch of changes. */
    public long forces() {
        return forces;
    }

    /**
     * An fsync failed outside this thread (a snapshot's, written by the applier): the data
     * directory can no longer be trusted, and the log stops as if its own fsync had failed.
     */
    public void fsyncFailed(FsyncFailedException e) {
        stop(new LogFailedException(e.getMessage(), e));
    }

    /** Null while the log can be written; otherwise why not. */
    public LogFailedException failure() {
        return failed;
    }

    /** Adds the fsync latencies (microseconds) and batch sizes (changes per force) so far to the given histograms. */
    public void addStatsTo(Histogram fsyncMicrosInto, Histogram batchSizesInto) {
        synchronized (fsyncMicros) {
            fsyncMicrosInto.add(fsyncMicros);
            batchSizesInto.add(batchSizes);
        }
    }

    public SegmentedLog segments() {
        return segments;
    }

    private void run() {
        List<Queued<?>> batch = new ArrayList<>();
        List<Runnable> completions = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch);
            boolean stop = batch.remove(STOP);
            if (!batch.isEmpty()) {
                process(batch, completions);
            }
            batch.clear();
            completions.clear();
            if (stop) {
                return;
            }
        }
    }

    private void process(List<Queued<?>> batch, List<Runnable> completions) {
        long bytes = 0;
        for (Queued<?> q : batch) {
            bytes += q.bytes();
        }
        boolean counted = true; // still in pendingBytes
        try {
            if (failed != null) {
                throw failed;
            }
            for (Queued<?> q : batch) {
                q.run(segments, completions);
            }
            written.accept(segments.lastIndex());
            long start = System.nanoTime();
            segments.force();
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
            synchronized (fsyncMicros) {
                fsyncMicros.recordValue(Math.min(micros, fsyncMicros.getHighestTrackableValue()));
                batchSizes.recordValue(Math.min(batch.size(), batchSizes.getHighestTrackableValue()));
            }
            forces++;
            durableIndex = segments.lastIndex();
            // No longer pending before anyone hears of it: a reader paused on pendingBytes and woken
            // by a completion must see the batch gone, or it waits for a wake-up that never comes.
            pendingBytes.addAndGet(-bytes);
            counted = false;
            completions.forEach(Runnable::run);
            durable.accept(durableIndex);
        } catch (IOException | RuntimeException e) {
            // A listener that throws must not end this thread with futures left waiting: the log fails, loudly.
            if (counted) {
                pendingBytes.addAndGet(-bytes);
            }
            fail(e instanceof LogFailedException f ? f : new LogFailedException((e instanceof FsyncFailedException ? ""
                    : e instanceof IOException ? "fsync failed: " : "log writer failed: ") + e.getMessage(), e), batch);
        }
    }

    /** The first failure stays: it is the cause, what follows are its effects. */
    private void stop(LogFailedException e) {
        synchronized (failing) {
            if (failed != null) {
                return;
            }
            failed = e;
        }
        log.error("{}: {}; this node takes no more writes", nodeName, e.getMessage());
    }

    private void fail(LogFailedException e, List<Queued<?>> batch) {
        stop(e);
        for (Queued<?> q : batch) {
            q.done().completeExceptionally(failed);
        }
        List<Queued<?>> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (Queued<?> q : rest) {
            pendingBytes.addAndGet(-q.bytes());
            q.done().completeExceptionally(failed);
        }
    }

    /** Runs what is queued, stops the thread and closes the log. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(STOP);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Queued<?>> late = new ArrayList<>();
        queue.drainTo(late);
        late.forEach(q -> q.done().completeExceptionally(new LogFailedException("the log is closed", null)));
        segments.close();
    }
}
