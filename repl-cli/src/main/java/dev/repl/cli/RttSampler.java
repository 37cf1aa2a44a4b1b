package dev.repl.cli;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Paces one transport's run: the clock starts at its first round trip (so start-up is never
 * measured), samples are discarded during the warm-up and recorded for the duration after it.
 * Called from one thread at a time; the histogram is read after the run.
 */
final class RttSampler {

    private final long warmupNanos;
    private final long endNanos;
    private final Histogram rttNanos = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    private final Runnable everySecond;
    private long startNanos = -1;
    private long nextTickNanos;

    RttSampler(long warmupNanos, long durationNanos, Runnable everySecond) {
        this.warmupNanos = warmupNanos;
        this.endNanos = warmupNanos + durationNanos;
        this.everySecond = everySecond;
    }

    /** @return true when the run is over */
    boolean sample(long nowNanos, long rttNanos) {
        if (startNanos < 0) {
            startNanos = nowNanos;
            nextTickNanos = nowNanos + TimeUnit.SECONDS.toNanos(1);
        }
        long elapsed = nowNanos - startNanos;
        if (elapsed >= warmupNanos) {
            this.rttNanos.recordValue(Math.min(rttNanos, this.rttNanos.getHighestTrackableValue()));
        }
        if (nowNanos - nextTickNanos >= 0) {
            nextTickNanos += TimeUnit.SECONDS.toNanos(1);
            everySecond.run();
        }
        return elapsed >= endNanos;
    }

    Histogram histogram() {
        return rttNanos;
    }
}
