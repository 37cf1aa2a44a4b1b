package dev.repl.cli;

import dev.repl.config.NodeAddress;
import dev.repl.config.ReplicationConfig;
import dev.repl.leader.LeaderNode;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code repl node}: run a leader or a follower until SIGINT or SIGTERM. */
@Command(name = "node",
        mixinStandardHelpOptions = true,
        description = {
            "Run a node until SIGINT or SIGTERM. Every node listens on --host:--port and answers heartbeats;",
            "a leader also connects to its followers and heartbeats them every --heartbeat-interval."})
final class NodeCommand implements Callable<Integer> {

    enum Role { leader, follower }

    @Option(names = "--role", required = true, description = "leader or follower.")
    Role role;

    @Option(names = "--port", required = true, description = "Port to listen on (0 picks a free one).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--name", description = "Name used in logs and output. Default: the role.")
    String name;

    @Option(names = "--followers", split = ",", paramLabel = "HOST:PORT", converter = NodeAddressConverter.class,
            description = "Leader only: its followers. Default: 127.0.0.1:7001,127.0.0.1:7002.")
    List<NodeAddress> followers;

    @Option(names = "--heartbeat-interval", defaultValue = "100ms", converter = DurationConverter.class,
            description = "Leader only: time between heartbeats to each follower. Default: ${DEFAULT-VALUE}.")
    Duration heartbeatInterval;

    @Option(names = "--once",
            description = "Follower only: answer one heartbeat, print '<name>: heartbeat received, ack sent' and exit 0.")
    boolean once;

    /** How a parent ties a child's life to its own: the pipe closes when the parent dies, even by SIGKILL. */
    @Option(names = "--until-stdin-closes", hidden = true,
            description = "With --once: give up (exit 3) when standard input reaches end of file.")
    boolean untilStdinCloses;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        String nodeName = name != null ? name : role.name();
        NodeAddress address;
        try {
            address = new NodeAddress(host, port);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return role == Role.leader ? runLeader(nodeName, address) : runFollower(nodeName, address);
    }

    private int runLeader(String nodeName, NodeAddress address) throws InterruptedException {
        if (once) {
            throw new ParameterException(spec.commandLine(), "--once applies to followers only");
        }
        LeaderNode leader;
        try {
            ReplicationConfig config = followers == null
                    ? new ReplicationConfig(address, ReplicationConfig.defaults().followers())
                    : ReplicationConfig.of(address, followers);
            leader = new LeaderNode(nodeName, config, heartbeatInterval);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        leader.start();
        closeOnShutdown(leader::close, nodeName);
        new CountDownLatch(1).await(); // until a signal ends the JVM; the hook closes the leader
        return ExitCodes.OK;
    }

    private int runFollower(String nodeName, NodeAddress address) throws InterruptedException {
        if (followers != null) {
            throw new ParameterException(spec.commandLine(), "--followers applies to the leader only");
        }
        if (untilStdinCloses && !once) {
            throw new ParameterException(spec.commandLine(), "--until-stdin-closes applies with --once only");
        }
        CompletableFuture<Void> answered = new CompletableFuture<>();
        HeartbeatObserver observer = once ? (channel, sequence) -> answered.complete(null) : HeartbeatObserver.NONE;
        NodeServer server = new NodeServer(nodeName, address, observer);
        server.start();
        closeOnShutdown(server::close, nodeName);
        if (!once) {
            new CountDownLatch(1).await();
            return ExitCodes.OK;
        }
        if (untilStdinCloses) {
            exitWhenStdinCloses(answered);
        }
        try {
            answered.join();
        } catch (CompletionException e) {
            spec.commandLine().getErr().println("repl: " + nodeName + ": no heartbeat answered: " + e.getCause().getMessage());
            spec.commandLine().getErr().flush();
            server.close();
            return ExitCodes.ERROR;
        }
        spec.commandLine().getOut().println(nodeName + ": heartbeat received, ack sent");
        spec.commandLine().getOut().flush();
        server.close();
        return ExitCodes.OK;
    }

    private static void exitWhenStdinCloses(CompletableFuture<Void> answered) {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // Whatever the parent writes is ignored; only the end of the stream matters.
                }
            } catch (IOException e) {
                // A broken pipe ends the stream just the same.
            }
            answered.completeExceptionally(new IllegalStateException("standard input closed; the parent process is gone"));
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Signals end the JVM through its shutdown hooks; this one closes the node so peers see a clean close. */
    private static void closeOnShutdown(Runnable close, String nodeName) {
        Runtime.getRuntime().addShutdownHook(new Thread(close, nodeName + "-shutdown"));
    }
}
