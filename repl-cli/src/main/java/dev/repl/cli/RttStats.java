package dev.repl.cli;

import java.util.Locale;
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

    String json() {
        return String.format(Locale.ROOT, "{\"transport\": \"%s\", \"count\": %d, \"perSecond\": %.0f, "
                        + "\"p50Us\": %.1f, \"p90Us\": %.1f, \"p99Us\": %.1f, \"p999Us\": %.1f, \"maxUs\": %.1f}",
                transport, count, perSecond(), p50, p90, p99, p999, max);
    }

    String ratioJson() {
        return String.format(Locale.ROOT, "{\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f}", p50, p90, p99, p999, max);
    }

    private static double micros(long nanos) {
        return nanos / 1_000.0;
    }
}
