package dev.repl.transport;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void delaysDoubleWithJitterUpToTheCapAndResetAfterSuccess() {
        Backoff backoff = new Backoff(Duration.ofMillis(10), Duration.ofMillis(80));
        long[] steps = {10, 20, 40, 80, 80, 80};
        for (long step : steps) {
            assertBetween(step, backoff.nextDelayNanos());
        }
        backoff.reset();
        assertBetween(10, backoff.nextDelayNanos());
    }

    @Test
    void rejectsNonsenseBounds() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }

    private static void assertBetween(long stepMillis, long delayNanos) {
        long step = Duration.ofMillis(stepMillis).toNanos();
        assertTrue(delayNanos >= step / 2 && delayNanos <= step, delayNanos + " ns is outside [" + step / 2 + ", " + step + "]");
    }
}
