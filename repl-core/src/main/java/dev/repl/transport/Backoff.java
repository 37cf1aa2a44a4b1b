package dev.repl.transport;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with "equal jitter": each delay is half the current step plus a
 * random part of the other half, so many links retrying at once spread out instead of
 * reconnecting in lockstep. Not thread-safe; each link owns one and uses it on its event loop.
 */
public final class Backoff {

    private final long initialNanos;
    private final long maxNanos;
    private long stepNanos;

    public Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff must be positive, was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("maximum backoff " + max + " is below the initial " + initial);
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.stepNanos = initialNanos;
    }

    /** The delay before the next attempt; each call doubles the step up to the cap. */
    public long nextDelayNanos() {
        long step = stepNanos;
        stepNanos = Math.min(maxNanos, step * 2);
        long half = step / 2;
        return half + ThreadLocalRandom.current().nextLong(half + 1);
    }

    /** Called after a success, so the next failure starts again from the initial step. */
    public void reset() {
        stepNanos = initialNanos;
    }
}
