package dev.repl.cli;

import dev.repl.api.NodeAddress;
import dev.repl.api.NodeConfig;
import dev.repl.api.Peer;
import dev.repl.api.ReplNode;
import dev.repl.api.client.HeartbeatProbe;
import dev.repl.api.client.HeartbeatReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code repl demo}: the reference scenario on one machine. The leader listens on 7000 in this
 * process; two followers run as separate processes on 7001 and 7002 and answer one heartbeat each.
 */
@Command(name = "demo",
        header = "Run the reference scenario: a leader and two followers.",
        mixinStandardHelpOptions = true,
        description = {
            "Run the reference scenario: a leader on 127.0.0.1:7000 in this process and two follower processes",
            "on 7001 and 7002. The leader sends each one heartbeat, waits for the acks, and reaps both processes.",
            "Needs ports 7000-7002 free."})
final class DemoCommand implements Callable<Integer> {

    /** The reference scenario: the leader on 7000, its followers on 7001 and 7002, all on loopback. */
    static final NodeAddress LEADER = NodeAddress.loopback(7000);
    /** Also the followers of {@code repl heartbeat} and {@code repl node --role leader} when none are given. */
    static final List<NodeAddress> FOLLOWERS = List.of(NodeAddress.loopback(7001), NodeAddress.loopback(7002));

    /** How long a follower has to exit by itself after the leader is done with it. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(5);

    @Option(names = "--timeout", defaultValue = "20s", converter = DurationConverter.class,
            description = "How long to wait for the followers to start and answer. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        List<Peer> followers = HeartbeatProbe.named(FOLLOWERS);
        FollowerProcesses children = new FollowerProcesses(((ReplCommand) spec.root().userObject()).inheritedOptions());
        // Ctrl-C ends the JVM through its hooks: the followers go with it.
        Thread reaper = new Thread(children::stopAll, "demo-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        Logging.node("leader");
        // The reference scenario's leader listens and heartbeats each follower once.
        try (ReplNode leader = ReplNode.create(NodeConfig.follower(LEADER).name("leader").build()).start()) {
            HeartbeatReport report;
            try (HeartbeatProbe check = HeartbeatProbe.once("leader", followers, timeout)) {
                for (Peer follower : followers) {
                    FollowerProcess child = children.once(follower);
                    // A follower exits 0 only after acking, so only a failure exit says the ack will never come.
                    child.onExit().thenAccept(p -> {
                        if (p.exitValue() != 0) {
                            check.abandon(follower, "process exited: exit code " + p.exitValue());
                        }
                    });
                }
                report = check.run();
            }
            List<String> followerLines = new ArrayList<>();
            for (FollowerProcess child : children.started()) {
                followerLines.addAll(child.awaitOutput(EXIT_GRACE));
            }
            new HeartbeatPrinter("leader", spec.commandLine().getOut()).print(report, followerLines);
            return ExitCodes.of(report);
        } finally {
            children.stopAll();
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // The hook is already running and does the same.
            }
        }
    }
}
