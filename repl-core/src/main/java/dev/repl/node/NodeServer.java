package dev.repl.node;

import dev.repl.api.ConnectionOptions;
import dev.repl.api.NodeAddress;
import dev.repl.config.Addresses;
import dev.repl.failure.RepeatedFailure;
import dev.repl.handshake.AcceptingHandshake;
import dev.repl.handshake.Identity;
import dev.repl.protocol.LinkRole;
import dev.repl.protocol.ProtocolException;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.ConnectionLimiter;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Listener;
import dev.repl.transport.Pipelines;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on a node's address and answers heartbeats with acks. Every node runs one: it is all
 * a follower is today, and it lets anyone probe a leader the same way. Start and close are
 * idempotent; a failed start releases everything it took.
 */
public final class NodeServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeServer.class);

    private enum State { NEW, STARTED, CLOSED }

    private final String name;
    private final NodeAddress address;
    private final HeartbeatObserver observer;
    private final LeaderTracker leader;
    private final ConnectionOptions options;
    private final LinkSecurity security;
    private final ReplicationStreams streams;
    private final LongSupplier currentTerm;
    private State state = State.NEW;
    private Listener listener;

    /** @param security what a peer must prove before its heartbeats are answered */
    public NodeServer(String name, NodeAddress address, ConnectionOptions options, LinkSecurity security, HeartbeatObserver observer) {
        this(name, address, options, security, observer, null);
    }

    /** @param streams takes the replication streams of this node's leader; null: this node keeps no log and refuses them */
    public NodeServer(String name, NodeAddress address, ConnectionOptions options, LinkSecurity security, HeartbeatObserver observer,
                      ReplicationStreams streams) {
        this(name, address, options, security, observer, streams, null);
    }

    /** @param currentTerm the node's term, when it elects its leader: heartbeats of an older term's leader are refused */
    public NodeServer(String name, NodeAddress address, ConnectionOptions options, LinkSecurity security, HeartbeatObserver observer,
                      ReplicationStreams streams, LongSupplier currentTerm) {
        this.currentTerm = currentTerm;
        this.name = Objects.requireNonNull(name, "name");
        this.address = Objects.requireNonNull(address, "address");
        this.options = Objects.requireNonNull(options, "options");
        this.security = Objects.requireNonNull(security, "security");
        this.observer = Objects.requireNonNull(observer, "observer");
        this.streams = streams;
        this.leader = new LeaderTracker(name, options.leaderTimeout(), options.idleTimeout());
    }

    public NodeServer(String name, NodeAddress address, HeartbeatObserver observer) {
        this(name, address, ConnectionOptions.defaults(), LinkSecurity.PLAINTEXT, observer);
    }

    public NodeServer(String name, NodeAddress address) {
        this(name, address, HeartbeatObserver.NONE);
    }

    public String name() {
        return name;
    }

    /** What this node knows of its leader, from the heartbeats it answers. */
    public LeaderTracker.Status leader() {
        return leader.status();
    }

    /**
     * Binds the address. Calling it again returns the same address.
     *
     * @return the bound address, with the real port when the configured one was 0
     * @throws dev.repl.api.NodeStartException naming the node and address when it cannot listen
     */
    public synchronized InetSocketAddress start() {
        if (state == State.STARTED) {
            return listener.localAddress();
        }
        if (state == State.CLOSED) {
            throw new IllegalStateException(name + " is closed");
        }
        SslContext tls = security.serverContext();
        ConnectionErrorHandler errors = new ConnectionErrorHandler(name);
        ConnectionLimiter limiter = new ConnectionLimiter(name, options.maxConnections());
        Duration idleTimeout = options.idleTimeout();
        state = State.CLOSED; // until the bind succeeds: a failed start is final
        listener = Listener.bind(name, "listen", address, name, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (limiter.admit(ch)) {
                    Pipelines.acceptingSide(ch.pipeline(), tls, idleTimeout,
                            new AcceptingHandshake(name, security.clusterId(), (channel, peer) -> linked(channel, peer)),
                            new AckHandler(leader, observer, currentTerm), errors);
                }
            }
        });
        long check = leader.checkIntervalNanos();
        listener.group().next().scheduleAtFixedRate(RepeatedFailure.guard(log, name + ": leader check", () -> leader.check(System.nanoTime())),
                check, check, TimeUnit.NANOSECONDS);
        state = State.STARTED;
        log.atInfo().addKeyValue("event", "listening").addKeyValue("address", Addresses.format(listener.localAddress()))
                .log("{}: listening on {}{}, cluster {}", name, listener.describe(), tls == null ? "" : " with TLS", security.clusterId());
        return listener.localAddress();
    }

    /** A peer has said who it is: a replication stream gets its own framing and handler; the tracker hears of any other. */
    private void linked(Channel channel, Identity peer) {
        if (peer.role() != LinkRole.REPLICATION) {
            leader.linked(peer);
            return;
        }
        if (streams == null) {
            throw new ProtocolException(peer.name() + " opened a replication stream, but this node keeps no log (started without --data-dir)");
        }
        Pipelines.acceptingReplication(channel.pipeline(), streams.maxFrameBytes(), streams.newStream());
    }

    /** Stops listening, closes every accepted connection and ends the event-loop thread. */
    @Override
    public synchronized void close() {
        if (state != State.STARTED) {
            state = State.CLOSED;
            return;
        }
        state = State.CLOSED;
        listener.close();
        log.atInfo().addKeyValue("event", "stopped").log("{}: stopped", name);
    }
}
