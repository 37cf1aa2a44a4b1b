package dev.repl.liveness;

import dev.repl.api.DetectorConfig;
import dev.repl.api.DetectorPolicy;

/** Makes the detector a {@link DetectorConfig} chooses, one per follower link. */
public final class FailureDetectors {

    private FailureDetectors() {
    }

    public static FailureDetector of(DetectorConfig config) {
        return config.policy() == DetectorPolicy.TIMEOUT
                ? new TimeoutDetector(config.failureTimeout().toNanos())
                : new PhiAccrualDetector(config.phiThreshold(), config.heartbeatInterval().toNanos(), config.minStdDeviation().toNanos(),
                        config.acceptablePause().toNanos());
    }
}
