package dev.repl.replication;

import org.HdrHistogram.Histogram;

/**
 * A histogram in fixed buckets, as Prometheus exposes one: how many values fell at or below each
 * upper bound and above the one before it, the last bound infinite, and their sum.
 */
public record Distribution(double[] upperBounds, long[] counts, double sum) {

    /** fsync latency, in seconds: 100 µs to 2.5 s. */
    static final double[] FSYNC_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
        Double.POSITIVE_INFINITY};
    /** Changes made durable by one fsync. */
    static final double[] BATCH_ENTRIES = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, Double.POSITIVE_INFINITY};

    /**
     * @param values recorded in {@code unit}s of the bounds' unit (microseconds for seconds: 1e-6)
     */
    static Distribution of(Histogram values, double[] upperBounds, double unit) {
        long[] counts = new long[upperBounds.length];
        long below = 0;
        for (int i = 0; i < upperBounds.length; i++) {
            long atOrBelow = Double.isInfinite(upperBounds[i]) ? values.getTotalCount()
                    : values.getCountBetweenValues(0, (long) Math.floor(upperBounds[i] / unit));
            counts[i] = Math.max(0, atOrBelow - below);
            below = Math.max(below, atOrBelow);
        }
        return new Distribution(upperBounds, counts, values.getTotalCount() == 0 ? 0 : values.getMean() * values.getTotalCount() * unit);
    }
}
