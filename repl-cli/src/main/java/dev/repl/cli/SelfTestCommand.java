package dev.repl.cli;

import dev.repl.config.NodeAddress;
import dev.repl.config.Peer;
import dev.repl.leader.HeartbeatCheck;
import dev.repl.leader.HeartbeatReport;
import dev.repl.node.NodeServer;
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
        try (NodeServer follower = new NodeServer("selftest-follower", NodeAddress.loopback(0))) {
            Peer peer = new Peer("follower-1", NodeAddress.loopback(follower.start().getPort()));
            try (HeartbeatCheck check = new HeartbeatCheck("selftest", List.of(peer), Duration.ofSeconds(30), false)) {
                report = check.run();
                new HeartbeatPrinter("selftest", spec.commandLine().getOut()).print(report, List.of());
            }
        }
        return ExitCodes.of(report);
    }
}
