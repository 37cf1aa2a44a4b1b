package dev.repl.cli;

import dev.repl.api.NodeAddress;
import dev.repl.api.NodeConfig;
import dev.repl.api.Peer;
import dev.repl.api.client.HeartbeatProbe;
import dev.repl.api.client.HeartbeatReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code repl heartbeat}: one heartbeat to each follower, and who answered. */
@Command(name = "heartbeat",
        header = "Check once that followers answer a heartbeat.",
        mixinStandardHelpOptions = true,
        description = {
            "Connect to each follower, send it one heartbeat and wait for its ack.",
            "Exits 0 when all respond, 1 when some do, 2 when none do; each silent follower is named with its reason."})
final class HeartbeatCommand implements Callable<Integer> {

    @Option(names = "--followers", split = ",", paramLabel = "HOST:PORT", converter = NodeAddressConverter.class,
            description = "Followers to check, in order (named follower-1, follower-2, ...). Default: 127.0.0.1:7001,127.0.0.1:7002.")
    List<NodeAddress> followers;

    @Option(names = "--timeout", defaultValue = "1s", converter = DurationConverter.class,
            description = "How long to wait for all acks, connecting included. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--name", defaultValue = "leader", description = "The name this check prints as. Default: ${DEFAULT-VALUE}.")
    String name;

    @Mixin
    LinkOptions link;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        HeartbeatProbe check;
        try {
            NodeConfig.checkClusterId(link.clusterId);
        } catch (NodeConfig.InvalidSettingException e) {
            throw new ParameterException(spec.commandLine(), "--cluster-id: " + e.detail());
        }
        try {
            List<Peer> peers = HeartbeatProbe.named(followers == null ? DemoCommand.FOLLOWERS : followers);
            check = HeartbeatProbe.probe(name, peers, timeout, link.clusterId, link.tls.config());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        HeartbeatReport report;
        try (check) {
            report = check.run();
        }
        new HeartbeatPrinter(name, spec.commandLine().getOut()).print(report, List.of());
        return ExitCodes.of(report);
    }
}
