package dev.repl.cli;

import dev.repl.api.Acks;
import dev.repl.api.ConnectionOptions;
import dev.repl.api.KeyValueStore;
import dev.repl.api.NodeAddress;
import dev.repl.api.NodeConfig;
import dev.repl.api.NodeListener;
import dev.repl.api.Peer;
import dev.repl.api.ReplNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code repl node}: run a leader, a follower, or a member that elects its leader, until SIGINT or SIGTERM. */
@Command(name = "node",
        header = "Run a node: a fixed leader or follower, or a member that elects its leader.",
        mixinStandardHelpOptions = true,
        description = {
            "Run a node until SIGINT or SIGTERM. Every node listens and answers heartbeats; a leader also connects",
            "to its followers and heartbeats them every --heartbeat-interval.",
            "With --role the node is a fixed leader or follower (--port, --followers). With --id and --peers it is a",
            "member of a cluster that elects its leader (Raft): it listens at its own entry in --peers, keeps its",
            "log in --data-dir, and leads when elected."})
final class NodeCommand implements Callable<Integer> {

    enum Role { leader, follower }

    @Option(names = "--role", description = "leader or follower: a fixed role. Without it, give --id and --peers.")
    Role role;

    @Option(names = "--port", description = "With --role: port to listen on (0 picks a free one).")
    Integer port;

    @Option(names = "--id", description = "With --peers: this node's id, one of those in --peers. An id is 1-62 letters, digits,"
            + " '.', '_' or '-', starting with a letter or digit.")
    String id;

    @Option(names = "--peers", split = ",", paramLabel = "ID=HOST:PORT", converter = PeerConverter.class,
            description = "Every member of a cluster that elects its leader, this node included (at least three).")
    List<Peer> peers;

    @Option(names = "--election-timeout", converter = DurationConverter.class,
            description = "With --peers: a member that hears no leader for one to two of these stands for election; a leader"
                    + " that hears no majority for one steps down. At least three --heartbeat-interval. Default: 1s.")
    Duration electionTimeout;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on. Default: ${DEFAULT-VALUE}; with --peers,"
            + " the host of this node's entry.")
    String host;

    @Option(names = "--name", description = "Name used in logs and output. Default: the role.")
    String name;

    @Option(names = "--followers", split = ",", paramLabel = "HOST:PORT", converter = NodeAddressConverter.class,
            description = "Leader only: its followers. Default: 127.0.0.1:7001,127.0.0.1:7002.")
    List<NodeAddress> followers;

    @Mixin
    DetectorOptions detector;

    @Mixin
    LinkOptions link;

    @Mixin
    LogOptionsMixin log;

    @Option(names = "--leader-timeout", defaultValue = "1s", converter = DurationConverter.class,
            description = "Follower only: no heartbeat for this long and the leader is reported lost; at least twice the"
                    + " leader's --heartbeat-interval (a follower warns when it is not). Default: ${DEFAULT-VALUE}.")
    Duration leaderTimeout;

    @Option(names = "--idle-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "Close an accepted connection that delivers no complete frame for this long. Default: ${DEFAULT-VALUE}.")
    Duration idleTimeout;

    @Option(names = "--max-connections", defaultValue = "1024",
            description = "Accepted connections open at once; more are closed on arrival. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--admin-port",
            description = "Serve GET /status, /metrics and /health over HTTP on this port (0 picks a free one). Default: off.")
    Integer adminPort;

    @Option(names = "--admin-host", description = "Address of the admin endpoint. Default: the --host.")
    String adminHost;

    @Option(names = "--once",
            description = "Follower only: answer one heartbeat, print '<name>: heartbeat received, ack sent' and exit 0.")
    boolean once;

    @Option(names = ConfigFile.OPTION, paramLabel = "FILE",
            description = "Read node options from FILE (Java properties: an option's name without dashes, '=', its value, such as"
                    + " heartbeat-interval=200ms). The command line wins over the file, and the file over the defaults.")
    Path config;

    @Option(names = "--print-config",
            description = "Print every option's effective value and where it came from (command line, config file or default), and exit.")
    boolean printConfig;

    /** How a parent ties a child's life to its own: the pipe closes when the parent dies, even by SIGKILL. */
    @Option(names = "--until-stdin-closes", hidden = true,
            description = "Stop when standard input reaches end of file (with --once, exit 3 unless a heartbeat was answered).")
    boolean untilStdinCloses;

    @Spec
    CommandSpec spec;

    /** Options that do something only for one role; given for the other, they are a usage error. */
    private static final List<String> LEADER_ONLY = List.of("--followers", "--heartbeat-interval", "--failure-detector",
            "--failure-timeout", "--phi-threshold", "--phi-min-std-dev", "--phi-acceptable-pause");
    private static final List<String> FOLLOWER_ONLY = List.of("--leader-timeout", "--once");
    /** Options of the fixed roles that an elected member sets otherwise (its --peers entry, its id, the election timeout). */
    private static final List<String> FIXED_ROLE_ONLY = List.of("--port", "--name", "--followers", "--leader-timeout", "--once");
    private static final List<String> PEERS_ONLY = List.of("--id", "--election-timeout");

    @Override
    public Integer call() throws InterruptedException {
        if (config != null && !(spec.commandLine().getDefaultValueProvider() instanceof ConfigFile)) {
            // picocli reads defaults before the arguments, so the file is found in the raw ones; an @file hides it.
            throw new ParameterException(spec.commandLine(), "--config must be on the command line itself, not in an @file");
        }
        if ((role == null) == (peers == null)) {
            throw new ParameterException(spec.commandLine(), role == null
                    ? "give --role leader|follower (a fixed role), or --id and --peers (a member that elects its leader)"
                    : ConfigFile.named(spec, "--role") + " and " + ConfigFile.named(spec, "--peers") + " do not go together: a member of"
                    + " an elected cluster has no fixed role");
        }
        NodeConfig node;
        if (peers != null) {
            checkPeerOptionsApply();
            node = build(this::peerConfig);
        } else {
            checkOptionsApply();
            if (port == null) {
                throw new ParameterException(spec.commandLine(), "--role needs --port");
            }
            node = build(this::fixedConfig);
        }
        if (printConfig) {
            ReplNode.check(node); // what a start would refuse in the files, so a printed configuration is one that starts
            EffectiveConfig.print(spec, spec.commandLine().getOut());
            return ExitCodes.OK;
        }
        return run(node);
    }

    /** Builds the configuration; what it refuses is a usage error, naming the option. */
    private NodeConfig build(Supplier<NodeConfig> config) {
        try {
            return config.get();
        } catch (NodeConfig.InvalidSettingException e) {
            String option = OPTIONS.get(e.setting());
            throw new ParameterException(spec.commandLine(), option == null ? e.getMessage() : ConfigFile.named(spec, option) + ": " + e.detail());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The options that set what {@link NodeConfig} may refuse, by the setting's name. */
    static final Map<String, String> OPTIONS = Map.of("id", "--id", "name", "--name", "clusterId", "--cluster-id", "peers", "--peers",
            "followers", "--followers", "electionTimeout", "--election-timeout", "dataDir", "--data-dir", "acks", "--acks");

    /** An elected member takes its address from --peers and its name from --id: the fixed roles' options would do nothing. */
    private void checkPeerOptionsApply() {
        for (String option : FIXED_ROLE_ONLY) {
            if (ConfigFile.given(spec, option)) {
                throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, option) + " applies with --role only; a member of"
                        + " an elected cluster " + (option.equals("--port") ? "listens at its own entry in --peers"
                        : option.equals("--name") ? "is named by --id" : option.equals("--followers") ? "replicates to every other member in --peers"
                        : option.equals("--leader-timeout") ? "stands after --election-timeout" : "runs until stopped"));
            }
        }
        if (id == null) {
            throw new ParameterException(spec.commandLine(), "--peers needs --id: which of the members this node is");
        }
        if (log.dataDir == null) {
            throw new ParameterException(spec.commandLine(), "--peers needs --data-dir: a member's term and vote must survive a restart");
        }
        if (log.acks == Acks.LEADER) {
            throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, "--acks") + " leader cannot be used with --peers: a"
                    + " write on the leader's disk alone would be lost when another member is elected");
        }
        if (ConfigFile.given(spec, "--admin-host") && adminPort == null) {
            throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, "--admin-host") + " applies with --admin-port only");
        }
        log.checkApplies(true);
    }

    /** A member of an elected cluster; the configuration checks the members (unique, this node among them, at least three). */
    private NodeConfig peerConfig() {
        NodeConfig.checkMemberId("id", id);
        NodeConfig.Builder b = NodeConfig.peer(id, peers)
                .electionTimeout(electionTimeout != null ? electionTimeout : NodeConfig.DEFAULT_ELECTION_TIMEOUT)
                .detector(detector.toConfig());
        if (ConfigFile.given(spec, "--host")) {
            b.listenHost(host);
        } else {
            host = peers.stream().filter(p -> p.name().equals(id)).findFirst().orElseThrow().address().host();
        }
        // A member's leader timeout is its election timeout; --leader-timeout is refused above.
        return common(b.connections(new ConnectionOptions(ConnectionOptions.DEFAULT_LEADER_TIMEOUT, idleTimeout, maxConnections)));
    }

    private NodeConfig fixedConfig() {
        NodeAddress address = new NodeAddress(host, port);
        NodeConfig.Builder b;
        if (role == Role.leader) {
            b = NodeConfig.leader(address, followers != null ? followers : DemoCommand.FOLLOWERS).detector(detector.toConfig())
                    .connections(new ConnectionOptions(ConnectionOptions.DEFAULT_LEADER_TIMEOUT, idleTimeout, maxConnections));
        } else {
            b = NodeConfig.follower(address).connections(new ConnectionOptions(leaderTimeout, idleTimeout, maxConnections));
        }
        return common(b.name(name != null ? name : role.name()));
    }

    /** What every mode shares: the cluster, TLS, the log and the endpoints. */
    private NodeConfig common(NodeConfig.Builder b) {
        b.clusterId(link.clusterId).tls(link.tls.config());
        if (log.dataDir != null) {
            b.dataDir(log.dataDir).log(log.toOptions());
            if (log.clientPort != null) {
                b.clientAddress(address("--client-port", log.clientHost != null ? log.clientHost : host, log.clientPort));
            }
        }
        if (adminPort != null) {
            b.adminAddress(address("--admin-port", adminHost != null ? adminHost : host, adminPort));
        }
        return b.build();
    }

    private NodeAddress address(String option, String host, int port) {
        try {
            return new NodeAddress(host, port);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    /** An option that would do nothing in the chosen mode is refused rather than ignored. */
    private void checkOptionsApply() {
        for (String option : PEERS_ONLY) {
            if (ConfigFile.given(spec, option)) {
                throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, option) + " applies with --peers only");
            }
        }
        List<String> wrongRole = role == Role.leader ? FOLLOWER_ONLY : LEADER_ONLY;
        for (String option : wrongRole) {
            if (ConfigFile.given(spec, option)) {
                throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, option) + " applies to "
                        + (role == Role.leader ? "followers" : "the leader") + " only, and this node is a " + role);
            }
        }
        if (ConfigFile.given(spec, "--admin-host") && adminPort == null) {
            throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, "--admin-host") + " applies with --admin-port only");
        }
        log.checkApplies(role == Role.leader);
        if (once && log.dataDir != null) {
            throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, "--once") + " answers one heartbeat and exits: it keeps no log (drop --data-dir)");
        }
    }

    /** Runs the node until a signal, or until the parent's pipe closes; with --once, until one heartbeat is answered. */
    private int run(NodeConfig config) throws InterruptedException {
        Logging.node(config.name());
        CompletableFuture<Void> answered = new CompletableFuture<>();
        NodeListener listener = !once ? NodeListener.NONE : new NodeListener() {
            @Override
            public void heartbeatAnswered() {
                answered.complete(null);
            }
        };
        ReplNode node = ReplNode.create(config, config.dataDir() == null ? null : new KeyValueStore(), listener);
        // Signals end the JVM through its shutdown hooks; this one closes the node so peers see a clean close.
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, config.name() + "-shutdown"));
        node.start();
        CompletableFuture<Void> stdinClosed = new CompletableFuture<>();
        if (untilStdinCloses) {
            completeWhenStdinCloses(once ? answered : stdinClosed, once);
        }
        if (!once) {
            if (untilStdinCloses) {
                stdinClosed.join(); // the parent is gone or done
                node.close();
            } else {
                new CountDownLatch(1).await(); // until a signal ends the JVM; the hook closes the node
            }
            return ExitCodes.OK;
        }
        try {
            answered.join();
        } catch (CompletionException e) {
            spec.commandLine().getErr().println("repl: " + config.name() + ": no heartbeat answered: " + e.getCause().getMessage());
            spec.commandLine().getErr().flush();
            node.close();
            return ExitCodes.ERROR;
        }
        spec.commandLine().getOut().println(config.name() + ": heartbeat received, ack sent");
        spec.commandLine().getOut().flush();
        node.close();
        return ExitCodes.OK;
    }

    /** @param asFailure complete exceptionally: for --once, the heartbeat it waited for will never come */
    private static void completeWhenStdinCloses(CompletableFuture<Void> done, boolean asFailure) {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // Whatever the parent writes is ignored; only the end of the stream matters.
                }
            } catch (IOException e) {
                // A broken pipe ends the stream just the same.
            }
            if (asFailure) {
                done.completeExceptionally(new IllegalStateException("standard input closed; the parent process is gone"));
            } else {
                done.complete(null);
            }
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }
}
