package dev.repl.runtime;

import dev.repl.admin.AdminServer;
import dev.repl.admin.NodeStatus;
import dev.repl.api.ConnectionOptions;
import dev.repl.api.FollowerState;
import dev.repl.api.KeyValueStore;
import dev.repl.api.NodeConfig;
import dev.repl.api.NodeStartException;
import dev.repl.api.Peer;
import dev.repl.api.Role;
import dev.repl.api.StateMachine;
import dev.repl.config.Addresses;
import dev.repl.config.ReplicationConfig;
import dev.repl.election.Election;
import dev.repl.handshake.ClusterId;
import dev.repl.kv.KvServer;
import dev.repl.kv.KvService;
import dev.repl.leader.LeaderNode;
import dev.repl.liveness.FollowerStatus;
import dev.repl.log.DataDir;
import dev.repl.liveness.StateListener;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.node.NodeServer;
import dev.repl.peer.PeerNode;
import dev.repl.replication.ClientRequests;
import dev.repl.replication.FollowerLog;
import dev.repl.replication.LeaderLog;
import dev.repl.replication.Replica;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.TlsContexts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The parts a {@link NodeConfig} asks for, wired and started in order and closed in reverse:
 * the data directory, the follower's or leader's side of the log, heartbeat links or the
 * election, the key-value and admin endpoints. One per {@link dev.repl.api.ReplNode}.
 */
public final class NodeRuntime implements AutoCloseable {

    private final NodeConfig config;
    private final Closer closer = new Closer();
    private final Replica replica;
    private final ClientRequests requests;
    private final Runnable starter;
    private final Supplier<Role> role;
    private final Supplier<Long> term;
    private final Supplier<String> leader;
    private final Supplier<List<FollowerStatus>> followers;
    private volatile InetSocketAddress listening;
    private volatile InetSocketAddress clientBound;
    private volatile InetSocketAddress adminBound;

    /** Builds every part; nothing listens until {@link #start}. A bad file or data directory ends it with one line. */
    public NodeRuntime(NodeConfig config, StateMachine stateMachine, HeartbeatObserver heartbeats, StateListener health) {
        this.config = config;
        String name = config.name();
        LinkSecurity security = security(config);
        this.replica = config.dataDir() == null ? null : closer.add(openReplica(config, stateMachine));
        KeyValueStore store = stateMachine instanceof KeyValueStore kv ? kv : null;
        try {
            switch (config.mode()) {
                case FOLLOWER -> {
                    FollowerLog followerLog = replica == null ? null : new FollowerLog(name, replica, config.log());
                    requests = replica == null ? null : new ClientRequests(replica, () -> null, followerLog, config.log());
                    KvServer clients = config.clientAddress() == null ? null : closer.add(new KvServer(name, config.clientAddress(),
                            security.serverContext(), config.connections(), new KvService(store, requests), config.log().maxValueBytes()));
                    NodeServer server = new NodeServer(name, config.listen(), config.connections(), security, heartbeats, followerLog);
                    AdminServer admin = closer.add(admin(security, () -> new NodeStatus(name, "follower", List.of(), server.leader(),
                            replica == null ? null : replica.status(), List.of())));
                    closer.add(server);
                    starter = () -> {
                        listening = server.start();
                        clientBound = clients == null ? null : clients.start();
                        adminBound = admin == null ? null : admin.start();
                    };
                    role = () -> Role.FOLLOWER;
                    term = () -> {
                        LeaderTracker.Seen seen = server.leader().leader();
                        return seen == null ? 0 : seen.term();
                    };
                    leader = () -> {
                        LeaderTracker.Status seen = server.leader();
                        return seen.state() == LeaderTracker.State.UP ? seen.leader().name() : null;
                    };
                    followers = List::of;
                }
                case LEADER -> {
                    LeaderLog leaderLog = replica == null ? null : closer.add(startLeaderLog(config, security));
                    requests = replica == null ? null : new ClientRequests(replica, () -> leaderLog, null, config.log());
                    KvServer clients = leaderLog == null || config.clientAddress() == null ? null : closer.add(new KvServer(name,
                            config.clientAddress(), security.serverContext(), config.connections(), new KvService(store, requests),
                            config.log().maxValueBytes()));
                    // Its heartbeats say its log's term, so followers can tell it from a leader of another term.
                    LeaderNode links = new LeaderNode(name, new ReplicationConfig(config.listen(), config.followers()), config.detector(),
                            config.connections(), security, health, leaderLog == null ? 0 : leaderLog.term());
                    AdminServer admin = closer.add(admin(security, () -> new NodeStatus(name, "leader", links.followers(), null,
                            replica == null ? null : replica.status(), leaderLog == null ? List.of() : leaderLog.followers())));
                    closer.add(links);
                    starter = () -> {
                        listening = links.start();
                        clientBound = clients == null ? null : clients.start();
                        if (leaderLog != null) {
                            leaderLog.serve(clientBound == null ? "" : Addresses.advertised(clientBound, config.listen().host()));
                        }
                        adminBound = admin == null ? null : admin.start();
                    };
                    role = () -> Role.LEADER;
                    long leaderTerm = leaderLog == null ? 0 : leaderLog.term();
                    term = () -> leaderTerm;
                    leader = () -> name;
                    followers = links::followers;
                }
                case PEER -> {
                    ConnectionOptions c = config.connections();
                    PeerNode node = closer.add(new PeerNode(new PeerNode.Config(name, config.listen(), config.otherPeers(),
                            config.electionTimeout(), config.detector(), new ConnectionOptions(config.electionTimeout(), c.idleTimeout(),
                            c.maxConnections()), security, config.log(), config.clientAddress(), ownEntry(config).address().host()), replica, health));
                    AdminServer admin = closer.add(admin(security, node::status));
                    requests = node.requests();
                    starter = () -> {
                        listening = node.start();
                        clientBound = node.clientBound();
                        adminBound = admin == null ? null : admin.start();
                    };
                    role = () -> role(node.election().role());
                    term = () -> node.election().term();
                    leader = () -> node.election().leader();
                    followers = node::followers;
                }
                default -> throw new IllegalStateException(config.mode().toString());
            }
        } catch (RuntimeException e) {
            closer.close();
            throw e;
        }
    }

    /** Loads the TLS files a configuration names, as a start would; one line says what is wrong with them. */
    public static LinkSecurity security(NodeConfig config) {
        try {
            return new LinkSecurity(ClusterId.of(config.clusterId()), config.tls() == null ? null : TlsContexts.load(config.tls()));
        } catch (IllegalArgumentException e) {
            throw new NodeStartException(config.name() + ": " + e.getMessage(), e);
        }
    }

    private static Replica openReplica(NodeConfig config, StateMachine stateMachine) {
        try {
            return Replica.open(config.name(), config.dataDir(), config.clusterId(), stateMachine, config.log());
        } catch (DataDir.OtherMemberException e) {
            throw new NodeStartException(config.name() + ": cannot use data dir " + config.dataDir() + ": " + e.getMessage() + " ("
                    + (config.mode() == NodeConfig.Mode.PEER ? "--id" : "--name") + ")", e);
        } catch (IOException | IllegalStateException e) {
            throw new NodeStartException(config.name() + ": cannot use data dir " + config.dataDir() + ": " + e.getMessage(), e);
        }
    }

    private LeaderLog startLeaderLog(NodeConfig config, LinkSecurity security) {
        try {
            return LeaderLog.start(config.name(), replica, config.log(), config.followers(), security);
        } catch (IllegalStateException e) {
            throw new NodeStartException(e.getMessage(), e);
        }
    }

    /** With TLS on, the admin endpoint serves HTTPS and asks for a client certificate from the same CA. */
    private AdminServer admin(LinkSecurity security, Supplier<NodeStatus> status) {
        return config.adminAddress() == null ? null
                : new AdminServer(config.name(), config.adminAddress(), security.serverContext(), config.connections(), status);
    }

    private static Role role(Election.Role role) {
        return Role.valueOf(role.name());
    }

    /** A member's own entry in its peers: the address the others know it by. */
    private static Peer ownEntry(NodeConfig config) {
        return config.peers().stream().filter(p -> p.name().equals(config.name())).findFirst().orElseThrow();
    }

    /** Listens on every address it was given; a failure closes everything, and the runtime cannot start again. */
    public void start() {
        try {
            starter.run();
        } catch (RuntimeException e) {
            closer.close();
            throw e;
        }
    }

    /** Proposals and reads, or null for a node that keeps no log. */
    public ClientRequests requests() {
        return requests;
    }

    public Role role() {
        return role.get();
    }

    public long term() {
        return term.get();
    }

    public String leader() {
        return leader.get();
    }

    /** While leading: each follower's health, by name, in configuration order. */
    public Map<String, FollowerState> followers() {
        Map<String, FollowerState> states = new LinkedHashMap<>();
        for (FollowerStatus f : followers.get()) {
            states.put(f.name(), f.state());
        }
        return states;
    }

    public InetSocketAddress listening() {
        return listening;
    }

    public InetSocketAddress clientBound() {
        return clientBound;
    }

    public InetSocketAddress adminBound() {
        return adminBound;
    }

    /** Closes everything it built, in reverse order; idempotent. */
    @Override
    public void close() {
        if (requests != null) {
            requests.close(); // first, so that nothing new is proposed while the parts close
        }
        closer.close();
        if (requests != null) {
            requests.close(); // and what the parts' closing left unanswered
        }
    }
}
