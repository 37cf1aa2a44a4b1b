package dev.repl.api;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node treats the connections it accepts, validated once.
 *
 * @param leaderTimeout  no heartbeat for this long and the leader is reported lost
 * @param idleTimeout    an accepted connection that delivers no complete frame for this long is
 *                       closed: a silent peer, a half frame, a sender too slow to be a leader
 * @param maxConnections accepted connections open at once; more are closed as they arrive
 */
public record ConnectionOptions(Duration leaderTimeout, Duration idleTimeout, int maxConnections) {

    public static final Duration DEFAULT_LEADER_TIMEOUT = Duration.ofSeconds(1);
    /** Two orders of magnitude above the default heartbeat interval: only a peer that is not a live leader waits this long. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;

    public ConnectionOptions {
        positive("leader timeout", leaderTimeout);
        positive("idle timeout", idleTimeout);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max connections must be at least 1, was " + maxConnections);
        }
    }

    public static ConnectionOptions defaults() {
        return new ConnectionOptions(DEFAULT_LEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
    }

    private static void positive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
    }
}
