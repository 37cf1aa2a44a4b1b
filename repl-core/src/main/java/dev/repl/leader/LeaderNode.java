package dev.repl.leader;

import dev.repl.config.Peer;
import dev.repl.config.ReplicationConfig;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.transport.Backoff;
import dev.repl.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A running leader: listens on its own address like every node, and keeps one
 * {@link FollowerLink} per follower that heartbeats it. Start and close are idempotent; a
 * failed start leaves nothing running.
 */
public final class LeaderNode implements AutoCloseable {

    /** Reconnect backoff: the first retry comes quickly, later ones at most this far apart. */
    static final Duration INITIAL_BACKOFF = Duration.ofMillis(50);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final String name;
    private final ReplicationConfig config;
    private final Duration heartbeatInterval;
    private final NodeServer server;
    private final List<FollowerLink> links = new ArrayList<>();
    private EventLoopGroup group;
    private boolean closed;

    public LeaderNode(String name, ReplicationConfig config, Duration heartbeatInterval) {
        this.name = Objects.requireNonNull(name, "name");
        this.config = Objects.requireNonNull(config, "config");
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("heartbeat interval must be positive, was " + heartbeatInterval);
        }
        this.heartbeatInterval = heartbeatInterval;
        this.server = new NodeServer(name, config.leader(), HeartbeatObserver.NONE);
    }

    /** @return the address the leader listens on */
    public synchronized InetSocketAddress start() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        InetSocketAddress bound = server.start();
        if (group != null) {
            return bound;
        }
        group = Transport.get().newGroup(1, name + "-links");
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(Transport.get().socketChannel())
                .option(ChannelOption.TCP_NODELAY, true);
        for (Peer follower : config.followers()) {
            FollowerLink link = new FollowerLink(name, follower, group.next(), bootstrap, heartbeatInterval,
                    new Backoff(INITIAL_BACKOFF, MAX_BACKOFF));
            links.add(link);
            link.start();
        }
        return bound;
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
        }
        server.close();
    }
}
