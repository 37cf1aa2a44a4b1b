package dev.repl.cli;

import dev.repl.admin.AdminServer;
import dev.repl.admin.NodeStatus;
import dev.repl.config.Addresses;
import dev.repl.config.NodeAddress;
import dev.repl.config.Peer;
import dev.repl.peer.PeerNode;
import dev.repl.config.ReplicationConfig;
import dev.repl.handshake.Identity;
import dev.repl.kv.KvServer;
import dev.repl.kv.KvService;
import dev.repl.kv.KvStateMachine;
import dev.repl.leader.LeaderNode;
import dev.repl.liveness.DetectorConfig;
import dev.repl.liveness.StateListener;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeOptions;
import dev.repl.node.NodeServer;
import dev.repl.replication.FollowerLog;
import dev.repl.replication.LeaderLog;
import dev.repl.replication.LogOptions;
import dev.repl.replication.Replica;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.NodeStartException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

    @Option(names = "--id", description = "With --peers: this node's id, one of those in --peers.")
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
    static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofSeconds(1);

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
        if (peers != null) {
            checkPeerOptionsApply();
            return runPeer();
        }
        checkOptionsApply();
        if (port == null) {
            throw new ParameterException(spec.commandLine(), "--role needs --port");
        }
        String nodeName;
        NodeAddress address;
        try {
            nodeName = Identity.checkName(name != null ? name : role.name());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--name: " + e.getMessage());
        }
        Logging.node(nodeName);
        try {
            address = new NodeAddress(host, port);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (printConfig) {
            checkBuilds(nodeName);
            EffectiveConfig.print(spec, spec.commandLine().getOut());
            return ExitCodes.OK;
        }
        return role == Role.leader ? runLeader(nodeName, address) : runFollower(nodeName, address);
    }

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
        if (log.acks == dev.repl.replication.Acks.LEADER) {
            throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, "--acks") + " leader cannot be used with --peers: a"
                    + " write on the leader's disk alone would be lost when another member is elected");
        }
        if (ConfigFile.given(spec, "--admin-host") && adminPort == null) {
            throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, "--admin-host") + " applies with --admin-port only");
        }
        log.checkApplies(true);
    }

    private int runPeer() throws InterruptedException {
        String nodeId;
        try {
            nodeId = Identity.checkName(id);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--id: " + e.getMessage());
        }
        Logging.node(nodeId);
        PeerNode.Config config = peerConfig(nodeId);
        if (printConfig) {
            EffectiveConfig.print(spec, spec.commandLine().getOut());
            return ExitCodes.OK;
        }
        Closer closer = new Closer();
        closeOnShutdown(closer, nodeId);
        Replica replica = closer.add(openReplica(nodeId, config.security(), config.log()));
        PeerNode node = closer.add(new PeerNode(config, replica));
        AdminServer admin = closer.add(adminServer(nodeId, config.security(), node::status));
        node.start();
        startAdmin(admin);
        CompletableFuture<Void> stdinClosed = new CompletableFuture<>();
        if (untilStdinCloses) {
            completeWhenStdinCloses(stdinClosed, false);
            stdinClosed.join();
            closer.close();
            return ExitCodes.OK;
        }
        new CountDownLatch(1).await(); // until a signal ends the JVM; the hook closes the node
        return ExitCodes.OK;
    }

    /** The member's configuration, validated: ids and addresses unique, this node among them. */
    private PeerNode.Config peerConfig(String nodeId) {
        Set<String> ids = new HashSet<>();
        Set<NodeAddress> addresses = new HashSet<>();
        Peer self = null;
        List<Peer> others = new ArrayList<>();
        for (Peer p : peers) {
            if (!ids.add(p.name())) {
                throw new ParameterException(spec.commandLine(), "--peers: " + p.name() + " is given twice");
            }
            if (!addresses.add(p.address())) {
                throw new ParameterException(spec.commandLine(), "--peers: " + p.address() + " is given twice");
            }
            if (p.name().equals(nodeId)) {
                self = p;
            } else {
                others.add(p);
            }
        }
        if (self == null) {
            throw new ParameterException(spec.commandLine(), "--peers does not list this node's --id " + nodeId);
        }
        if (peers.size() < 3) {
            throw new ParameterException(spec.commandLine(), "--peers lists " + peers.size() + " member(s); an elected cluster needs at"
                    + " least three, so that it can lose one and still elect a leader");
        }
        try {
            NodeAddress listen = ConfigFile.given(spec, "--host") ? new NodeAddress(host, self.address().port()) : self.address();
            host = listen.host(); // what the client and admin ports listen on unless told otherwise
            Duration timeout = electionTimeout != null ? electionTimeout : DEFAULT_ELECTION_TIMEOUT;
            return new PeerNode.Config(nodeId, listen, others, timeout, detector.toConfig(),
                    new NodeOptions(timeout, idleTimeout, maxConnections), link.security(nodeId), log.toOptions(),
                    log.clientPort == null ? null : clientAddress());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
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

    /** What a start would check before it binds anything, so a printed configuration is one that starts. */
    private void checkBuilds(String nodeName) {
        nodeOptions();
        link.security(nodeName);
        if (role == Role.leader) {
            detector.toConfig();
        }
        if (log.dataDir != null) {
            log.toOptions();
        }
    }

    private int runLeader(String nodeName, NodeAddress address) throws InterruptedException {
        LinkSecurity security;
        ReplicationConfig config;
        DetectorConfig detection;
        try {
            config = followers == null
                    ? new ReplicationConfig(address, ReplicationConfig.defaults().followers())
                    : ReplicationConfig.of(address, followers);
            security = link.security(nodeName);
            detection = detector.toConfig();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Closer closer = new Closer();
        closeOnShutdown(closer, nodeName);
        LogOptions logOptions = log.dataDir == null ? null : log.toOptions();
        Replica replica = log.dataDir == null ? null : closer.add(openReplica(nodeName, security, logOptions));
        LeaderLog leaderLog = replica == null ? null : closer.add(startLeaderLog(nodeName, replica, logOptions, config, security));
        KvServer clients = leaderLog == null || log.clientPort == null ? null : closer.add(new KvServer(nodeName, clientAddress(),
                security.serverContext(), nodeOptions(), KvService.ofLeader((KvStateMachine) replica.stateMachine(), leaderLog,
                logOptions.commitTimeout()), logOptions.maxValueBytes()));
        // Its heartbeats say its log's term, so followers can tell it from a leader of another term.
        LeaderNode leader = new LeaderNode(nodeName, config, detection, nodeOptions(), security, StateListener.NONE,
                leaderLog == null ? 0 : leaderLog.term());
        AdminServer admin = closer.add(adminServer(nodeName, security, () -> new NodeStatus(nodeName, "leader", leader.followers(), null,
                replica == null ? null : replica.status(), leaderLog == null ? List.of() : leaderLog.followers())));
        closer.add(leader);
        leader.start();
        if (leaderLog != null) {
            leaderLog.serve(clients == null ? "" : Addresses.format(clients.start()));
        }
        startAdmin(admin);
        if (untilStdinCloses) {
            CompletableFuture<Void> stdinClosed = new CompletableFuture<>();
            completeWhenStdinCloses(stdinClosed, false);
            stdinClosed.join(); // the parent is gone or done
            closer.close();
            return ExitCodes.OK;
        }
        new CountDownLatch(1).await(); // until a signal ends the JVM; the hook closes the leader
        return ExitCodes.OK;
    }

    private static LeaderLog startLeaderLog(String nodeName, Replica replica, LogOptions logOptions, ReplicationConfig config,
                                            LinkSecurity security) {
        try {
            return LeaderLog.start(nodeName, replica, logOptions, config.followers(), security);
        } catch (IllegalStateException e) {
            throw new NodeStartException(e.getMessage(), e);
        }
    }

    /** Opens the data directory; what is wrong with it ends the command with one line naming it. */
    private Replica openReplica(String nodeName, LinkSecurity security, LogOptions logOptions) {
        try {
            return Replica.open(nodeName, log.dataDir, security.clusterId().name(), new KvStateMachine(), logOptions);
        } catch (IOException | IllegalStateException e) {
            throw new NodeStartException(nodeName + ": cannot use data dir " + log.dataDir + ": " + e.getMessage(), e);
        }
    }

    private NodeAddress clientAddress() {
        try {
            return new NodeAddress(log.clientHost != null ? log.clientHost : host, log.clientPort);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--client-port: " + e.getMessage());
        }
    }

    private int runFollower(String nodeName, NodeAddress address) throws InterruptedException {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        HeartbeatObserver observer = once ? (channel, sequence) -> answered.complete(null) : HeartbeatObserver.NONE;
        LinkSecurity security = link.security(nodeName);
        Closer closer = new Closer();
        closeOnShutdown(closer, nodeName);
        LogOptions logOptions = log.dataDir == null ? null : log.toOptions();
        Replica replica = log.dataDir == null ? null : closer.add(openReplica(nodeName, security, logOptions));
        FollowerLog followerLog = replica == null ? null : new FollowerLog(nodeName, replica, logOptions);
        KvServer clients = followerLog == null || log.clientPort == null ? null : closer.add(new KvServer(nodeName, clientAddress(),
                security.serverContext(), nodeOptions(), KvService.ofFollower((KvStateMachine) replica.stateMachine(), followerLog),
                logOptions.maxValueBytes()));
        NodeServer server = new NodeServer(nodeName, address, nodeOptions(), security, observer, followerLog);
        AdminServer admin = closer.add(adminServer(nodeName, security, () -> new NodeStatus(nodeName, "follower", List.of(), server.leader(),
                replica == null ? null : replica.status(), List.of())));
        closer.add(server);
        server.start();
        if (clients != null) {
            clients.start();
        }
        startAdmin(admin);
        CompletableFuture<Void> stdinClosed = new CompletableFuture<>();
        if (untilStdinCloses) {
            completeWhenStdinCloses(once ? answered : stdinClosed, once);
        }
        if (!once) {
            stdinClosed.join(); // until a signal ends the JVM (the hook closes the node), or the parent goes
            return ExitCodes.OK;
        }
        try {
            answered.join();
        } catch (CompletionException e) {
            spec.commandLine().getErr().println("repl: " + nodeName + ": no heartbeat answered: " + e.getCause().getMessage());
            spec.commandLine().getErr().flush();
            closer.close();
            return ExitCodes.ERROR;
        }
        spec.commandLine().getOut().println(nodeName + ": heartbeat received, ack sent");
        spec.commandLine().getOut().flush();
        closer.close();
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

    private NodeOptions nodeOptions() {
        try {
            return new NodeOptions(leaderTimeout, idleTimeout, maxConnections);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** With TLS on, the admin endpoint serves HTTPS and asks for a client certificate from the same CA. */
    private AdminServer adminServer(String nodeName, LinkSecurity security, Supplier<NodeStatus> status) {
        if (adminPort == null) {
            return null;
        }
        try {
            return new AdminServer(nodeName, new NodeAddress(adminHost != null ? adminHost : host, adminPort),
                    security.serverContext(), nodeOptions(), status);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--admin-port: " + e.getMessage());
        }
    }

    private static void startAdmin(AdminServer admin) {
        if (admin != null) {
            admin.start();
        }
    }

    /** Signals end the JVM through its shutdown hooks; this one closes the node so peers see a clean close. */
    private static void closeOnShutdown(Closer closer, String nodeName) {
        Runtime.getRuntime().addShutdownHook(new Thread(closer::close, nodeName + "-shutdown"));
    }
}
