package dev.repl.bench.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.admin.Json;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The benchmark's own arithmetic: percentiles from a known histogram, the ratio, the JSON shape, the pacing. */
class RttStatsTest {

    private static RttStats uniform(String transport, long fromUs, long toUs) {
        Histogram nanos = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        for (long us = fromUs; us <= toUs; us++) {
            nanos.recordValue(TimeUnit.MICROSECONDS.toNanos(us));
        }
        return RttStats.of(transport, nanos, 2.0);
    }

    @Test
    void percentilesOfAKnownDistribution() {
        RttStats stats = uniform("netty", 1, 1000);
        assertEquals(1000, stats.count());
        assertEquals(500, stats.p50(), 1);
        assertEquals(900, stats.p90(), 1);
        assertEquals(990, stats.p99(), 1);
        assertEquals(999, stats.p999(), 1);
        assertEquals(1000, stats.max(), 1);
        assertEquals(500, stats.perSecond(), 0.001);
    }

    @Test
    void ratioIsPerPercentile() {
        RttStats ratio = uniform("netty", 1, 1000).ratio(uniform("raw", 1, 500));
        assertEquals("netty/raw", ratio.transport());
        assertEquals(2.0, ratio.p50(), 0.01);
        assertEquals(2.0, ratio.max(), 0.01);
    }

    @Test
    void jsonIsParsableWithEveryField() throws Exception {
        JsonNode row = Json.mapper().readTree(Json.line(uniform("raw", 1, 10).row()));
        assertEquals("raw", row.get("transport").asText());
        assertEquals(10, row.get("count").asLong());
        assertEquals(5, row.get("perSecond").asLong());
        for (String field : new String[] {"p50Us", "p90Us", "p99Us", "p999Us", "maxUs"}) {
            assertTrue(row.get(field).isNumber(), field);
        }
        JsonNode ratio = Json.mapper().readTree(Json.line(uniform("a", 1, 10).ratio(uniform("b", 1, 10)).ratioRow()));
        assertEquals(1.0, ratio.get("p50").asDouble());
    }

    @Test
    void jsonNumbersDoNotFollowTheLocale() throws Exception {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.GERMANY);
        try {
            String json = Json.line(uniform("raw", 1, 3).row());
            assertEquals(2.0, Json.mapper().readTree(json).get("p50Us").asDouble(), 0.01, json);
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void samplerStartsAtTheFirstRoundTripAndDiscardsTheWarmUp() {
        int[] ticks = {0};
        RttSampler sampler = new RttSampler(TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(2), () -> ticks[0]++);
        long t0 = 1_000_000_000L;
        assertFalse(sampler.sample(t0, 100));
        assertFalse(sampler.sample(t0 + TimeUnit.MILLISECONDS.toNanos(900), 100));
        assertFalse(sampler.sample(t0 + TimeUnit.MILLISECONDS.toNanos(1500), 200));
        assertTrue(sampler.sample(t0 + TimeUnit.MILLISECONDS.toNanos(3000), 300));
        assertEquals(2, sampler.histogram().getTotalCount(), "the warm-up samples were discarded");
        assertEquals(2, ticks[0], "one progress tick per second of run");
    }

    @Test
    void samplerWithACountStopsAtExactlyThatManyAndTellsLateConnectionsToStop() {
        RttSampler sampler = new RttSampler(TimeUnit.SECONDS.toNanos(1), Long.MAX_VALUE, 3, () -> { });
        long t0 = 1_000_000_000L;
        assertFalse(sampler.sample(t0, 100), "warm-up");
        long measured = t0 + TimeUnit.SECONDS.toNanos(1);
        assertFalse(sampler.sample(measured, 100));
        assertFalse(sampler.sample(measured + 1_000_000, 100));
        assertTrue(sampler.sample(measured + 500_000_000, 100), "the third recorded sample ends the run");
        assertTrue(sampler.sample(measured + 600_000_000, 100), "another connection's late sample is not recorded");
        assertEquals(3, sampler.histogram().getTotalCount());
        assertEquals(0.5, sampler.recordedSeconds(), 1e-9, "from the end of the warm-up to the last recorded sample");
    }
}
