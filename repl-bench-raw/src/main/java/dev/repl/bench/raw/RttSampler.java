package dev.repl.bench.raw;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Paces one transport's run: the clock starts at its first round trip (so start-up is never
 * measured), samples are discarded during the warm-up and recorded for the duration after it,
 * or until a count of them is recorded. Safe from several threads (one per raw-socket
 * connection); the histogram is read after the run.
 */
final class RttSampler {

    private final long warmupNanos;
    private final long endNanos;
    private final long maxCount;
    private final Histogram rttNanos = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    private final Runnable everySecond;
    private long startNanos = -1;
    private long lastNanos;
    private boolean done;
    private long nextTickNanos;

    /** @param maxCount stop once this many are recorded, or {@code Long.MAX_VALUE} to run for the duration */
    RttSampler(long warmupNanos, long durationNanos, long maxCount, Runnable everySecond) {
        this.warmupNanos = warmupNanos;
        this.endNanos = durationNanos == Long.MAX_VALUE ? Long.MAX_VALUE : warmupNanos + durationNanos;
        this.maxCount = maxCount;
        this.everySecond = everySecond;
    }

    RttSampler(long warmupNanos, long durationNanos, Runnable everySecond) {
        this(warmupNanos, durationNanos, Long.MAX_VALUE, everySecond);
    }

    /** @return true when the run is over */
    synchronized boolean sample(long nowNanos, long rttNanos) {
        if (done) {
            return true; // another connection ended the run
        }
        if (startNanos < 0) {
            startNanos = nowNanos;
            nextTickNanos = nowNanos + TimeUnit.SECONDS.toNanos(1);
        }
        long elapsed = nowNanos - startNanos;
        lastNanos = nowNanos;
        if (elapsed >= warmupNanos) {
            this.rttNanos.recordValue(Math.min(rttNanos, this.rttNanos.getHighestTrackableValue()));
        }
        if (nowNanos - nextTickNanos >= 0) {
            nextTickNanos += TimeUnit.SECONDS.toNanos(1);
            everySecond.run();
        }
        done = elapsed >= endNanos || this.rttNanos.getTotalCount() >= maxCount;
        return done;
    }

    /** How long samples were recorded, for the rate: from the end of the warm-up to the last sample. */
    synchronized double recordedSeconds() {
        return Math.max(0, lastNanos - startNanos - warmupNanos) / 1e9;
    }

    synchronized Histogram histogram() {
        return rttNanos;
    }
}
