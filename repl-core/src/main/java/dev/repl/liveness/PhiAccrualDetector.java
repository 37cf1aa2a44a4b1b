package dev.repl.liveness;

import dev.repl.api.FollowerState;

/**
 * The phi accrual failure detector of Hayashibara et al. (2004), as Akka, Pekko and Cassandra
 * use it. It keeps the last {@value #WINDOW} intervals between acks and, given the silence so
 * far, computes phi = -log10(P(an ack is still to come)), assuming normally distributed
 * intervals. Phi 1 means a 10% chance of a false alarm, phi 8 one in 10^8. The logistic
 * approximation of the normal CDF is Akka's. Sum and sum of squares are kept running, so every
 * step is O(1) and allocation-free.
 */
final class PhiAccrualDetector implements FailureDetector {

    static final int WINDOW = 1000;

    private final double threshold;
    private final long firstIntervalNanos;
    private final double minStdDeviationNanos;
    private final long acceptablePauseNanos;
    private final long[] intervals = new long[WINDOW];
    private int count;
    private int next;
    private double sum;
    private double sumOfSquares;
    private long lastAckNanos;

    PhiAccrualDetector(double threshold, long expectedIntervalNanos, long minStdDeviationNanos, long acceptablePauseNanos) {
        this.threshold = threshold;
        this.firstIntervalNanos = expectedIntervalNanos;
        this.minStdDeviationNanos = minStdDeviationNanos;
        this.acceptablePauseNanos = acceptablePauseNanos;
    }

    @Override
    public void reset(long nowNanos) {
        count = 0;
        next = 0;
        sum = 0;
        sumOfSquares = 0;
        lastAckNanos = nowNanos;
        // Seed as Akka does: one interval at the expected value, and one deviation either side of it.
        add(firstIntervalNanos - firstIntervalNanos / 4);
        add(firstIntervalNanos + firstIntervalNanos / 4);
    }

    @Override
    public void ackReceived(long nowNanos) {
        if (count == 0) {
            reset(nowNanos);
            return;
        }
        add(nowNanos - lastAckNanos);
        lastAckNanos = nowNanos;
    }

    private void add(long interval) {
        if (count == WINDOW) {
            long old = intervals[next];
            sum -= old;
            sumOfSquares -= (double) old * old;
        } else {
            count++;
        }
        intervals[next] = interval;
        next = (next + 1) % WINDOW;
        sum += interval;
        sumOfSquares += (double) interval * interval;
    }

    double phi(long nowNanos) {
        if (count == 0) {
            return 0;
        }
        double mean = sum / count;
        double variance = Math.max(0, sumOfSquares / count - mean * mean);
        double stdDeviation = Math.max(Math.sqrt(variance), minStdDeviationNanos);
        return phi(nowNanos - lastAckNanos, mean + acceptablePauseNanos, stdDeviation);
    }

    /** -log10 of the probability that an interval is longer than {@code elapsed}. */
    static double phi(double elapsed, double mean, double stdDeviation) {
        double y = (elapsed - mean) / stdDeviation;
        double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        return elapsed > mean ? -Math.log10(e / (1.0 + e)) : -Math.log10(1.0 - 1.0 / (1.0 + e));
    }

    @Override
    public FollowerState judge(long nowNanos) {
        double phi = phi(nowNanos);
        if (phi >= threshold) {
            return FollowerState.DOWN;
        }
        return phi >= threshold / 2 ? FollowerState.SUSPECT : FollowerState.UP;
    }

    @Override
    public String suspicion(long nowNanos) {
        return String.format("phi %.1f", phi(nowNanos));
    }
}
