package dev.repl.bench.raw;

import org.HdrHistogram.Histogram;

/**
 * Round-trip percentiles of one transport, in microseconds, and its rate. {@link #ratio} compares
 * two of them measured in the same run.
 */
record RttStats(String transport, long count, double seconds, double p50, double p90, double p99, double p999, double max) {

    static RttStats of(String transport, Histogram nanos, double seconds) {
        return new RttStats(transport, nanos.getTotalCount(), seconds,
                micros(nanos.getValueAtPercentile(50)), micros(nanos.getValueAtPercentile(90)),
                micros(nanos.getValueAtPercentile(99)), micros(nanos.getValueAtPercentile(99.9)), micros(nanos.getMaxValue()));
    }

    double perSecond() {
        return seconds <= 0 ? 0 : count / seconds;
    }

    /** This row divided by {@code floor}, percentile by percentile. */
    RttStats ratio(RttStats floor) {
        return new RttStats(transport + "/" + floor.transport, 0, 0, p50 / floor.p50, p90 / floor.p90,
                p99 / floor.p99, p999 / floor.p999, max / floor.max);
    }

    /** One transport's row as {@code --json} prints it, in microseconds to 0.1. */
    record Row(String transport, long count, long perSecond, double p50Us, double p90Us, double p99Us, double p999Us, double maxUs) {
    }

    /** A ratio row as {@code --json} prints it, to 0.001. */
    record Ratio(double p50, double p90, double p99, double p999, double max) {
    }

    Row row() {
        return new Row(transport, count, Math.round(perSecond()), round(p50, 10), round(p90, 10), round(p99, 10), round(p999, 10), round(max, 10));
    }

    Ratio ratioRow() {
        return new Ratio(round(p50, 1000), round(p90, 1000), round(p99, 1000), round(p999, 1000), round(max, 1000));
    }

    private static double round(double value, double scale) {
        return Math.round(value * scale) / scale;
    }

    private static double micros(long nanos) {
        return nanos / 1_000.0;
    }
}
