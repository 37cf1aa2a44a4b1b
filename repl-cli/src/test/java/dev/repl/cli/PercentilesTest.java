package dev.repl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void nearestRankOfAKnownSample() {
        double[] samples = new double[100];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = 100 - i; // 100 down to 1, unsorted on purpose
        }
        Percentiles p = Percentiles.of(samples);
        assertEquals(100, p.count());
        assertEquals(50, p.p50());
        assertEquals(99, p.p99());
        assertEquals(100, p.max());
        assertEquals(100, samples[0], "the caller's array is left as it was");
    }

    @Test
    void smallAndEmptySamples() {
        Percentiles one = Percentiles.of(new double[] {7});
        assertEquals(7, one.p50());
        assertEquals(7, one.p99());
        assertTrue(Double.isNaN(Percentiles.of(new double[0]).p50()));
    }
}
