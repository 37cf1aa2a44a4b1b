package dev.repl.cli;

import dev.repl.api.Acks;
import dev.repl.api.LogOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code repl node}'s replicated-log options: all but {@code --data-dir} apply only with it. */
final class LogOptionsMixin {

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep a replicated log and key-value store in DIR (created if missing). Without it the node only heartbeats.")
    Path dataDir;

    @Option(names = "--client-port", description = "With --data-dir: serve the key-value API over HTTP on this port (0 picks one). Default: off.")
    Integer clientPort;

    @Option(names = "--client-host", description = "With --data-dir: address of the key-value API. Default: the --host.")
    String clientHost;

    @Option(names = "--acks", defaultValue = "quorum",
            description = "Leader, with --data-dir: the durable copies that commit a write: leader, quorum or all. Default: ${DEFAULT-VALUE}.")
    Acks acks;

    @Option(names = "--commit-timeout", defaultValue = "5s", converter = DurationConverter.class,
            description = "Leader, with --data-dir: a write not committed by then is answered with outcome unknown. Default: ${DEFAULT-VALUE}.")
    Duration commitTimeout;

    @Option(names = "--max-frame-bytes", defaultValue = "4194304",
            description = "With --data-dir: the largest replication frame sent or accepted. Default: ${DEFAULT-VALUE}.")
    int maxFrameBytes;

    @Option(names = "--max-inflight-bytes", defaultValue = "16777216",
            description = "With --data-dir: bytes of the log sent to a follower and not yet acknowledged (a follower: not yet written). Default: ${DEFAULT-VALUE}.")
    long maxInflightBytes;

    @Option(names = "--segment-bytes", defaultValue = "67108864",
            description = "With --data-dir: a log segment file rolls at this size. Default: ${DEFAULT-VALUE}.")
    long segmentBytes;

    @Option(names = "--snapshot-every", defaultValue = "100000",
            description = "With --data-dir: entries applied between snapshots (0: never). Default: ${DEFAULT-VALUE}.")
    long snapshotEvery;

    @Option(names = "--retain", defaultValue = "100000",
            description = "With --data-dir: entries kept in the log behind a snapshot, for followers a little behind. Default: ${DEFAULT-VALUE}.")
    long retain;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private static final List<String> WITH_DATA_DIR = List.of("--client-port", "--client-host", "--acks", "--commit-timeout",
            "--max-frame-bytes", "--max-inflight-bytes", "--segment-bytes", "--snapshot-every", "--retain");
    private static final List<String> LEADER_ONLY = List.of("--acks", "--commit-timeout");

    /** Refuses what would do nothing: log options without a log, leader options on a follower. */
    void checkApplies(boolean leader) {
        for (String option : WITH_DATA_DIR) {
            if (dataDir == null && ConfigFile.given(spec, option)) {
                throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, option) + " applies with --data-dir only");
            }
            if (!leader && LEADER_ONLY.contains(option) && ConfigFile.given(spec, option)) {
                throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, option) + " applies to the leader only, and this node is a follower");
            }
        }
        if (ConfigFile.given(spec, "--client-host") && clientPort == null) {
            throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, "--client-host") + " applies with --client-port only");
        }
    }

    LogOptions toOptions() {
        try {
            return new LogOptions(segmentBytes, snapshotEvery, retain, maxFrameBytes, maxInflightBytes, acks, commitTimeout);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
