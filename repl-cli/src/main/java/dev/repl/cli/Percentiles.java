package dev.repl.cli;

import java.util.Arrays;

/** Nearest-rank percentiles of a small sample, in the sample's unit. */
record Percentiles(int count, double p50, double p99, double max) {

    static Percentiles of(double[] samples) {
        if (samples.length == 0) {
            return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN);
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new Percentiles(sorted.length, rank(sorted, 50), rank(sorted, 99), sorted[sorted.length - 1]);
    }

    /** The smallest value with at least {@code p} percent of the sample at or below it. */
    static double rank(double[] sorted, double p) {
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
