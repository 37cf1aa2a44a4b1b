package dev.repl.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Heartbeat and failure-detection settings of a leader, validated once.
 *
 * @param heartbeatInterval time between heartbeats to each follower; also the detector's tick
 * @param policy            which detector decides DOWN
 * @param failureTimeout    TIMEOUT: DOWN after this long without an ack (SUSPECT after half of it)
 * @param phiThreshold      PHI: DOWN when phi reaches this (SUSPECT at half of it)
 * @param minStdDeviation   PHI: floor for the ack-interval deviation, so a very regular link is not hair-triggered
 * @param acceptablePause   PHI: silence added to the expected interval before suspicion starts (GC pauses)
 */
public record DetectorConfig(Duration heartbeatInterval, DetectorPolicy policy, Duration failureTimeout,
                             double phiThreshold, Duration minStdDeviation, Duration acceptablePause) {

    /** Defaults chosen from the measurements in docs/performance.md; the failure timeout defaults to five intervals. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_INTERVAL = Duration.ofSeconds(60);
    public static final DetectorPolicy DEFAULT_POLICY = DetectorPolicy.PHI;
    public static final double DEFAULT_PHI_THRESHOLD = 8.0;
    public static final Duration DEFAULT_MIN_STD_DEVIATION = Duration.ofMillis(50);
    public static final Duration DEFAULT_ACCEPTABLE_PAUSE = Duration.ofMillis(200);

    public DetectorConfig {
        Objects.requireNonNull(policy, "policy");
        positive("heartbeat interval", heartbeatInterval);
        if (heartbeatInterval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("heartbeat interval must be at most " + MAX_INTERVAL.toSeconds() + "s, was " + heartbeatInterval.toMillis()
                    + "ms (a hello tells followers the interval in milliseconds, up to 65535)");
        }
        positive("failure timeout", failureTimeout);
        positive("phi minimum standard deviation", minStdDeviation);
        Objects.requireNonNull(acceptablePause, "acceptablePause");
        if (acceptablePause.isNegative()) {
            throw new IllegalArgumentException("acceptable pause must not be negative, was " + acceptablePause);
        }
        if (policy == DetectorPolicy.TIMEOUT && failureTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("failure timeout " + failureTimeout.toMillis() + "ms must be at least twice the heartbeat interval "
                    + heartbeatInterval.toMillis() + "ms, or every late ack would be a failure");
        }
        if (!(phiThreshold >= 1 && phiThreshold <= 30)) {
            throw new IllegalArgumentException("phi threshold must be between 1 and 30, was " + phiThreshold);
        }
    }

    /** Phi accrual at 100 ms: of the settings measured, the only one without a false alarm. */
    public static DetectorConfig defaults() {
        return withInterval(DEFAULT_INTERVAL);
    }

    /** The default detector at another interval; the failure timeout, unused by phi, stays five intervals. */
    public static DetectorConfig withInterval(Duration interval) {
        return new DetectorConfig(interval, DEFAULT_POLICY, interval.multipliedBy(5), DEFAULT_PHI_THRESHOLD,
                DEFAULT_MIN_STD_DEVIATION, DEFAULT_ACCEPTABLE_PAUSE);
    }

    /** The fixed-timeout detector. */
    public static DetectorConfig timeout(Duration interval, Duration failureTimeout) {
        return new DetectorConfig(interval, DetectorPolicy.TIMEOUT, failureTimeout, DEFAULT_PHI_THRESHOLD,
                DEFAULT_MIN_STD_DEVIATION, DEFAULT_ACCEPTABLE_PAUSE);
    }


    private static void positive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
    }
}
