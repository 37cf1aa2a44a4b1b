package dev.repl.cli;

import dev.repl.liveness.DetectorConfig;
import dev.repl.liveness.DetectorPolicy;
import java.time.Duration;
import picocli.CommandLine.Option;

/** A leader's heartbeat and failure-detector options, shared by {@code repl node} and {@code repl bench detection}. */
final class DetectorOptions {

    @Option(names = "--heartbeat-interval", defaultValue = "100ms", converter = DurationConverter.class,
            description = "Leader: time between heartbeats to each follower. Default: ${DEFAULT-VALUE}.")
    Duration heartbeatInterval;

    @Option(names = "--failure-detector", defaultValue = "phi",
            description = "Leader: timeout, or phi (adaptive phi accrual). Default: ${DEFAULT-VALUE}.")
    DetectorPolicy policy;

    @Option(names = "--failure-timeout", converter = DurationConverter.class,
            description = "Leader, timeout detector: a follower silent this long is DOWN. Default: 5 heartbeat intervals.")
    Duration failureTimeout;

    @Option(names = "--phi-threshold", defaultValue = "8",
            description = "Leader, phi detector: phi at which a follower is DOWN (SUSPECT at half). Default: ${DEFAULT-VALUE}.")
    double phiThreshold;

    @Option(names = "--phi-min-std-dev", defaultValue = "50ms", converter = DurationConverter.class,
            description = "Leader, phi detector: floor of the ack-interval deviation. Default: ${DEFAULT-VALUE}.")
    Duration phiMinStdDeviation;

    @Option(names = "--phi-acceptable-pause", defaultValue = "200ms", converter = DurationConverter.class,
            description = "Leader, phi detector: silence tolerated before suspicion grows. Default: ${DEFAULT-VALUE}.")
    Duration phiAcceptablePause;

    /** @throws IllegalArgumentException when the combination cannot work */
    DetectorConfig toConfig() {
        return new DetectorConfig(heartbeatInterval, policy,
                failureTimeout != null ? failureTimeout : heartbeatInterval.multipliedBy(5),
                phiThreshold, phiMinStdDeviation, phiAcceptablePause);
    }
}
