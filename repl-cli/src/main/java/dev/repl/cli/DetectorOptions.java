package dev.repl.cli;

import dev.repl.api.DetectorConfig;
import dev.repl.api.DetectorPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A leader's heartbeat and failure-detector options, shared by {@code repl node} and {@code repl bench detection}. */
public final class DetectorOptions {

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

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private static final List<String> PHI_OPTIONS = List.of("--phi-threshold", "--phi-min-std-dev", "--phi-acceptable-pause");

    /**
     * The validated configuration. An option of the detector not chosen would do nothing, so it
     * is a usage error, as is a combination that cannot work.
     */
    public DetectorConfig toConfig() {
        List<String> unused = policy == DetectorPolicy.PHI ? List.of("--failure-timeout") : PHI_OPTIONS;
        for (String option : unused) {
            if (ConfigFile.given(spec, option)) {
                throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, option) + " applies to --failure-detector "
                        + (policy == DetectorPolicy.PHI ? "timeout" : "phi") + " only, and the detector is "
                        + policy.name().toLowerCase(Locale.ROOT) + (ConfigFile.given(spec, "--failure-detector") ? "" : " (the default)"));
            }
        }
        try {
            return new DetectorConfig(heartbeatInterval, policy,
                    failureTimeout != null ? failureTimeout : heartbeatInterval.multipliedBy(5),
                    phiThreshold, phiMinStdDeviation, phiAcceptablePause);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
