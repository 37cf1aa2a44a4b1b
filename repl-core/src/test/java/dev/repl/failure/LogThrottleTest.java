package dev.repl.failure;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Once an interval per key, on a clock the test moves. */
class LogThrottleTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final LogThrottle throttle = new LogThrottle(LogThrottle.MINUTE, now::get);

    @Test
    void aKeyIsLoggedOnceAMinuteAndEachKeyOnItsOwn() {
        assertTrue(throttle.allow("n4"));
        for (int second = 1; second < 60; second++) {
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            assertFalse(throttle.allow("n4"), "retried every second: second " + second);
        }
        assertTrue(throttle.allow("n5"), "another id is not held back by the first");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertTrue(throttle.allow("n4"), "a minute after the last line");
        assertFalse(throttle.allow("n4"));
    }

    @Test
    void idsChosenByStrangersAreRememberedUpToABound() {
        for (int i = 0; i < LogThrottle.MAX_KEYS; i++) {
            assertTrue(throttle.allow("id-" + i));
        }
        assertFalse(throttle.allow("one-more"), "full: a flood of ids is not logged, nor remembered");
        assertFalse(throttle.allow("id-0"), "and the remembered keep their interval");
        now.addAndGet(LogThrottle.MINUTE.toNanos());
        assertTrue(throttle.allow("one-more"), "once the old ones expire");
    }
}
