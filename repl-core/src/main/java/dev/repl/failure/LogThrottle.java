package dev.repl.failure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Lets a line about one key (a peer's id) be logged at most once per interval: a peer refused for
 * good retries every second or so, and would fill the log with one line. Thread-safe. The keys
 * come from the network, so at most {@link #MAX_KEYS} are remembered; past that, a new key is
 * not logged until old ones expire.
 */
public final class LogThrottle {

    public static final Duration MINUTE = Duration.ofMinutes(1);
    static final int MAX_KEYS = 1024;

    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    /** @param nanoClock {@code System::nanoTime}, or a test's clock */
    public LogThrottle(Duration interval, LongSupplier nanoClock) {
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
    }

    /** Once a minute per key, on the system clock. */
    public static LogThrottle perMinute() {
        return new LogThrottle(MINUTE, System::nanoTime);
    }

    /** Whether a line about {@code key} may be logged now: if so, the next may be in one interval. */
    public boolean allow(String key) {
        long now = nanoClock.getAsLong();
        if (lastLogged.size() >= MAX_KEYS && !lastLogged.containsKey(key)) {
            lastLogged.values().removeIf(at -> now - at >= intervalNanos);
            if (lastLogged.size() >= MAX_KEYS) {
                return false;
            }
        }
        boolean[] allowed = {false};
        lastLogged.compute(key, (k, at) -> {
            if (at == null || now - at >= intervalNanos) {
                allowed[0] = true;
                return now;
            }
            return at;
        });
        return allowed[0];
    }
}
