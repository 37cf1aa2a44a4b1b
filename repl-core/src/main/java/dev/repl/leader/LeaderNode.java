package dev.repl.leader;

import dev.repl.api.ConnectionOptions;
import dev.repl.api.DetectorConfig;
import dev.repl.api.Peer;
import dev.repl.config.ReplicationConfig;
import dev.repl.handshake.Identity;
import dev.repl.liveness.FailureDetectors;
import dev.repl.liveness.FollowerHealth;
import dev.repl.liveness.FollowerStatus;
import dev.repl.liveness.StateListener;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.transport.Backoff;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.NameResolution;
import dev.repl.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.HdrHistogram.AbstractHistogram;

/**
 * A running leader: listens on its own address like every node, and keeps one
 * {@link FollowerLink} per follower that heartbeats it and judges it. Start and close are
 * idempotent; a failed start leaves nothing running.
 */
public final class LeaderNode implements AutoCloseable {

    /** Reconnect backoff: the first retry comes quickly, later ones at most this far apart. */
    static final Duration INITIAL_BACKOFF = Duration.ofMillis(50);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

    private final String name;
    private final ReplicationConfig config;
    private final DetectorConfig detector;
    private final StateListener listener;
    private final LinkSecurity security;
    private final NodeServer server;
    private final List<FollowerLink> links = new ArrayList<>();
    private final NameResolution.Lookup lookup;
    private final long term;
    private EventLoopGroup group;
    private NameResolution names;
    private boolean closed;

    /**
     * @param options  how the leader's own listening port treats what connects to it
     * @param security the cluster and TLS of every link, followers and own port alike
     */
    public LeaderNode(String name, ReplicationConfig config, DetectorConfig detector, ConnectionOptions options, LinkSecurity security,
                      StateListener listener) {
        this(name, config, detector, options, security, listener, 0, NameResolution.SYSTEM);
    }

    /** @param term the leader's term, said in every hello: its log's, or 0 for a leader that keeps no log */
    public LeaderNode(String name, ReplicationConfig config, DetectorConfig detector, ConnectionOptions options, LinkSecurity security,
                      StateListener listener, long term) {
        this(name, config, detector, options, security, listener, term, NameResolution.SYSTEM);
    }

    /** @param lookup how followers' host names are looked up (off the event loop); tests slow it down */
    LeaderNode(String name, ReplicationConfig config, DetectorConfig detector, ConnectionOptions options, LinkSecurity security,
               StateListener listener, long term, NameResolution.Lookup lookup) {
        this(name, config, detector, security, listener, term, lookup,
                new NodeServer(name, config.leader(), options, security, HeartbeatObserver.NONE));
    }

    private LeaderNode(String name, ReplicationConfig config, DetectorConfig detector, LinkSecurity security, StateListener listener,
                       long term, NameResolution.Lookup lookup, NodeServer server) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.term = term;
        this.name = Identity.checkName(name);
        this.config = Objects.requireNonNull(config, "config");
        this.detector = Objects.requireNonNull(detector, "detector");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.security = Objects.requireNonNull(security, "security");
        this.server = server;
    }

    /**
     * The heartbeat links of a node that already listens on its address (an elected leader, whose
     * {@link NodeServer} runs in every role): it heartbeats and judges its followers, and listens
     * on nothing of its own.
     */
    public static LeaderNode linksOnly(String name, ReplicationConfig config, DetectorConfig detector, LinkSecurity security, long term,
                                       StateListener listener) {
        return new LeaderNode(name, config, detector, security, listener, term, NameResolution.SYSTEM, null);
    }

    public LeaderNode(String name, ReplicationConfig config, DetectorConfig detector, StateListener listener) {
        this(name, config, detector, ConnectionOptions.defaults(), LinkSecurity.PLAINTEXT, listener);
    }

    public LeaderNode(String name, ReplicationConfig config, DetectorConfig detector) {
        this(name, config, detector, StateListener.NONE);
    }

    public String name() {
        return name;
    }

    /** @return the address the leader listens on (null for {@link #linksOnly}) */
    public synchronized InetSocketAddress start() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        InetSocketAddress bound = server == null ? null : server.start();
        if (group != null) {
            return bound;
        }
        group = Transport.get().newGroup(1, name + "-links");
        Identity self = Identity.leader(name, term, detector.heartbeatInterval().toMillis());
        names = new NameResolution(name, lookup);
        Bootstrap bootstrap = Transport.get().clientBootstrap(group, names);
        for (Peer follower : config.followers()) {
            FollowerHealth health = new FollowerHealth(name, follower, FailureDetectors.of(detector), listener);
            FollowerLink link = new FollowerLink(self, follower, group.next(), bootstrap, security, detector.heartbeatInterval().toNanos(),
                    new Backoff(INITIAL_BACKOFF, MAX_BACKOFF), health);
            links.add(link);
            link.start();
        }
        return bound;
    }

    /** Every follower's current state, in configuration order. */
    public synchronized List<FollowerStatus> followers() {
        List<FollowerStatus> statuses = new ArrayList<>(links.size());
        for (FollowerLink link : links) {
            statuses.add(link.status());
        }
        return statuses;
    }

    /** Adds every follower's round-trip times so far, in microseconds, to {@code into}: for benchmarks. */
    public synchronized void addRttMicrosTo(AbstractHistogram into) {
        for (FollowerLink link : links) {
            link.health().addRttMicrosTo(into);
        }
    }

    /** Stops every link, closes every connection and ends every event-loop thread. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        links.forEach(FollowerLink::stop);
        if (group != null) {
            Transport.shutdown(group);
            names.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
