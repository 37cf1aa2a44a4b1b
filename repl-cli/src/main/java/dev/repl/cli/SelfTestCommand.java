package dev.repl.cli;

import dev.repl.api.NodeAddress;
import dev.repl.api.NodeConfig;
import dev.repl.api.Peer;
import dev.repl.api.ReplNode;
import dev.repl.api.client.HeartbeatProbe;
import dev.repl.api.client.HeartbeatReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code repl selftest} (hidden): a follower and a one-shot check in this process, over loopback.
 * The build runs it to record which classes a node and a check load, for the launcher's
 * class-data-sharing archive.
 */
@Command(name = "selftest", hidden = true, description = "Answer one heartbeat in-process, over loopback.")
final class SelfTestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        HeartbeatReport report;
        try (ReplNode follower = ReplNode.create(NodeConfig.follower(NodeAddress.loopback(0)).name("selftest-follower").build()).start()) {
            Peer peer = new Peer("follower-1", NodeAddress.loopback(follower.listenAddress().getPort()));
            try (HeartbeatProbe check = HeartbeatProbe.probe("selftest", List.of(peer), Duration.ofSeconds(30), NodeConfig.DEFAULT_CLUSTER_ID,
                    null)) {
                report = check.run();
                new HeartbeatPrinter("selftest", spec.commandLine().getOut()).print(report, List.of());
            }
        }
        return ExitCodes.of(report);
    }
}
