package dev.repl.api;

import dev.repl.config.ReplicationConfig;
import dev.repl.election.MemberId;
import dev.repl.handshake.ClusterId;
import dev.repl.handshake.Identity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a node is started with, validated once: a record, so it can be built, compared and
 * printed, and the {@link Builder} of {@link #follower}, {@link #leader} or {@link #peer} fills in
 * the defaults of each mode. A setting that does nothing in the chosen mode is refused, with a
 * message naming it, as {@code repl node} refuses the option; the one part of a setting that a
 * mode replaces is the leader timeout of {@link #connections} on a peer, which is its election
 * timeout.
 *
 * @param mode              a fixed follower, a fixed leader, or a member that elects its leader
 * @param name              the node's name in logs and on the wire; a peer's id
 * @param listen            where it listens for its leader's links (port 0: any free port)
 * @param followers         LEADER: its followers
 * @param peers             PEER: every member, this node included
 * @param electionTimeout   PEER: silence after which a member stands for election; else null
 * @param detector          LEADER and PEER: heartbeats and failure detection; else null
 * @param connections       how accepted connections are treated; its leader timeout is a fixed follower's (a peer's
 *                          is its election timeout)
 * @param clusterId         links from another cluster are refused at hello
 * @param tls               mutual TLS on every link and endpoint, or null for plaintext
 * @param dataDir           where the log, term and vote are kept, or null for heartbeats only; PEER needs one
 * @param log               how the log is kept and shipped; null without a data directory
 * @param clientAddress     where the bundled key-value store's HTTP API listens, or null; needs a data directory
 * @param adminAddress      where GET /status, /metrics and /health are served, or null
 */
public record NodeConfig(Mode mode, String name, NodeAddress listen, List<Peer> followers, List<Peer> peers, Duration electionTimeout,
                         DetectorConfig detector, ConnectionOptions connections, String clusterId, TlsConfig tls, Path dataDir,
                         LogOptions log, NodeAddress clientAddress, NodeAddress adminAddress) {

    /** What a node is. */
    public enum Mode {
        /** Answers heartbeats and follows one leader's log. */
        FOLLOWER,
        /** Heartbeats its followers and ships them its log; never steps down. */
        LEADER,
        /** One of three or more members that elect their leader (Raft). */
        PEER
    }

    public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofSeconds(1);
    public static final String DEFAULT_CLUSTER_ID = ClusterId.DEFAULT_NAME;

    /**
     * A setting that is refused: {@link #setting} names it as the record does ({@code peers},
     * {@code electionTimeout}), {@link #detail} says why, and the message is both.
     */
    public static final class InvalidSettingException extends IllegalArgumentException {
        private final String setting;
        private final String detail;

        public InvalidSettingException(String setting, String detail) {
            super(setting + ": " + detail, null);
            this.setting = setting;
            this.detail = detail;
        }

        /** @return the setting's name, as the record and the builder spell it */
        public String setting() {
            return setting;
        }

        /** @return why it is refused, without the setting's name */
        public String detail() {
            return detail;
        }
    }

    public NodeConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(clusterId, "clusterId");
        name = mode == Mode.PEER ? checkMemberId("id", Objects.requireNonNull(name, "name"))
                : checkName("name", Objects.requireNonNull(name, "name"));
        checkClusterId(clusterId);
        followers = List.copyOf(followers == null ? List.of() : followers);
        peers = List.copyOf(peers == null ? List.of() : peers);
        refuse(mode != Mode.LEADER && !followers.isEmpty(), "followers", "a fixed leader");
        refuse(mode != Mode.PEER && !peers.isEmpty(), "peers", "an elected peer");
        refuse(mode != Mode.PEER && electionTimeout != null, "electionTimeout", "an elected peer");
        refuse(mode == Mode.FOLLOWER && detector != null, "detector", "a node that sends heartbeats (a leader or a peer)");
        refuse(dataDir == null && log != null, "log", "a node with a data directory");
        refuse(dataDir == null && clientAddress != null, "clientAddress", "a node with a data directory (the store lives in its log)");
        switch (mode) {
            case LEADER -> {
                Objects.requireNonNull(detector, "detector");
                try {
                    ReplicationConfig.checkFollowers(followers, listen);
                } catch (IllegalArgumentException e) {
                    throw new InvalidSettingException("followers", e.getMessage());
                }
            }
            case PEER -> checkPeers(name, peers, detector, electionTimeout, dataDir, log);
            case FOLLOWER -> { }
        }
        if (dataDir != null) {
            Objects.requireNonNull(log, "log");
        }
    }

    private static void checkPeers(String id, List<Peer> peers, DetectorConfig detector, Duration electionTimeout, Path dataDir,
                                   LogOptions log) {
        Objects.requireNonNull(detector, "detector");
        Objects.requireNonNull(electionTimeout, "electionTimeout");
        Set<String> ids = new HashSet<>();
        Set<NodeAddress> addresses = new HashSet<>();
        for (Peer p : peers) {
            checkMemberId("peers", p.name());
            if (!ids.add(p.name())) {
                throw new InvalidSettingException("peers", p.name() + " is given twice");
            }
            if (!addresses.add(p.address())) {
                throw new InvalidSettingException("peers", p.address() + " is given twice");
            }
        }
        if (!ids.contains(id)) {
            throw new InvalidSettingException("peers", "no member is this node's id " + id);
        }
        if (peers.size() < 3) {
            throw new InvalidSettingException("peers", "lists " + peers.size() + " member(s); an elected cluster needs at least three, so"
                    + " that it can lose one and still elect a leader");
        }
        if (dataDir == null) {
            throw new InvalidSettingException("dataDir", "an elected peer needs one: its term and vote must survive a restart");
        }
        if (log.acks() == Acks.LEADER) {
            throw new InvalidSettingException("acks", "LEADER cannot be used by an elected peer: a write on the leader's disk alone would"
                    + " be lost when another member is elected");
        }
        if (electionTimeout.compareTo(detector.heartbeatInterval().multipliedBy(3)) < 0) {
            throw new InvalidSettingException("electionTimeout", electionTimeout.toMillis() + " ms is under three heartbeat intervals ("
                    + detector.heartbeatInterval().toMillis() + " ms): followers would stand between heartbeats");
        }
    }

    private static void refuse(boolean given, String setting, String who) {
        if (given) {
            throw new InvalidSettingException(setting, "applies to " + who + " only");
        }
    }

    /**
     * Checks a node's or a peer's name as it travels in hellos and votes.
     *
     * @param setting what the name is ({@code name}, {@code id}), for the message
     * @param name    the name
     * @return the name
     * @throws InvalidSettingException when it is empty, too long, or has control characters
     */
    public static String checkName(String setting, String name) {
        try {
            return Identity.checkName(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(setting, strip(e.getMessage(), "name "));
        }
    }

    /**
     * Checks a member's id (a peer's {@code id}, each of its {@code peers}): a vote records it, and
     * the leader a member follows as {@code id#incarnation}, so an id has no '#'.
     *
     * @param setting what the id is ({@code id}, {@code peers}), for the message
     * @return the id
     * @throws InvalidSettingException when it is not 1-62 letters, digits, '.', '_' or '-', starting with a letter or digit
     */
    public static String checkMemberId(String setting, String id) {
        try {
            return MemberId.check(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(setting, setting.equals("id") ? strip(e.getMessage(), "member id ") : e.getMessage());
        }
    }

    /**
     * Checks a cluster id.
     *
     * @param clusterId the id
     * @return the id
     * @throws InvalidSettingException when it is not 1-64 letters, digits, '.', '_' or '-'
     */
    public static String checkClusterId(String clusterId) {
        try {
            return ClusterId.check(clusterId);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("clusterId", strip(e.getMessage(), "cluster id "));
        }
    }

    private static String strip(String message, String prefix) {
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    /** A fixed follower listening at {@code listen}. */
    public static Builder follower(NodeAddress listen) {
        return new Builder(Mode.FOLLOWER, "follower", listen);
    }

    /** A fixed leader listening at {@code listen}, with its followers (named follower-1, follower-2, ... in order). */
    public static Builder leader(NodeAddress listen, List<NodeAddress> followers) {
        Builder b = new Builder(Mode.LEADER, "leader", listen);
        b.followers = ReplicationConfig.namedFollowers(followers);
        b.detector = DetectorConfig.defaults();
        return b;
    }

    /** Member {@code id} of {@code peers} (every member, this one included); it listens at its own entry. */
    public static Builder peer(String id, List<Peer> peers) {
        Peer self = peers.stream().filter(p -> p.name().equals(id)).findFirst()
                .orElseThrow(() -> new InvalidSettingException("peers", "no member is this node's id " + id));
        Builder b = new Builder(Mode.PEER, id, self.address());
        b.peers = List.copyOf(peers);
        b.electionTimeout = DEFAULT_ELECTION_TIMEOUT;
        b.detector = DetectorConfig.defaults();
        return b;
    }

    /** The other members of an elected cluster. */
    public List<Peer> otherPeers() {
        List<Peer> others = new ArrayList<>(peers);
        others.removeIf(p -> p.name().equals(name));
        return others;
    }

    /**
     * Builds a {@link NodeConfig}. Setters of what the mode does not use throw at once; {@link #build}
     * checks the whole. Not thread-safe; each call returns this builder.
     */
    public static final class Builder {
        private final Mode mode;
        private String name;
        private NodeAddress listen;
        private List<Peer> followers = List.of();
        private List<Peer> peers = List.of();
        private Duration electionTimeout;
        private DetectorConfig detector;
        private ConnectionOptions connections = ConnectionOptions.defaults();
        private String clusterId = DEFAULT_CLUSTER_ID;
        private TlsConfig tls;
        private Path dataDir;
        private LogOptions log;
        private NodeAddress clientAddress;
        private NodeAddress adminAddress;

        private Builder(Mode mode, String name, NodeAddress listen) {
            this.mode = mode;
            this.name = name;
            this.listen = Objects.requireNonNull(listen, "listen");
        }

        /** The name in logs and on the wire (a fixed role's; a peer is named by its id). */
        public Builder name(String name) {
            only(mode != Mode.PEER, "name", "a fixed role (a peer is named by its id)");
            this.name = name;
            return this;
        }

        /** A peer listens on this host, at its entry's port, rather than at its entry's host. */
        public Builder listenHost(String host) {
            only(mode == Mode.PEER, "listenHost", "an elected peer (a fixed role is given its whole address)");
            this.listen = new NodeAddress(host, listen.port());
            return this;
        }

        public Builder electionTimeout(Duration timeout) {
            only(mode == Mode.PEER, "electionTimeout", "an elected peer");
            this.electionTimeout = timeout;
            return this;
        }

        public Builder detector(DetectorConfig detector) {
            only(mode != Mode.FOLLOWER, "detector", "a node that sends heartbeats (a leader or a peer)");
            this.detector = detector;
            return this;
        }

        public Builder connections(ConnectionOptions connections) {
            this.connections = connections;
            return this;
        }

        public Builder clusterId(String clusterId) {
            this.clusterId = clusterId;
            return this;
        }

        public Builder tls(TlsConfig tls) {
            this.tls = tls;
            return this;
        }

        /** Keep a log in {@code dir}, with the default {@link LogOptions} unless {@link #log} is given. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** How the log is kept and shipped; needs a {@link #dataDir}. */
        public Builder log(LogOptions log) {
            this.log = log;
            return this;
        }

        /** Serve the bundled key-value store's HTTP API here; the node must run a {@link KeyValueStore}. */
        public Builder clientAddress(NodeAddress address) {
            this.clientAddress = address;
            return this;
        }

        public Builder adminAddress(NodeAddress address) {
            this.adminAddress = address;
            return this;
        }

        public NodeConfig build() {
            LogOptions options = log == null && dataDir != null ? LogOptions.defaults() : log;
            return new NodeConfig(mode, name, listen, followers, peers, electionTimeout, detector, connections, clusterId, tls, dataDir,
                    options, clientAddress, adminAddress);
        }

        private static void only(boolean applies, String setting, String who) {
            refuse(!applies, setting, who);
        }
    }
}
