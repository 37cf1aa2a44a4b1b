package dev.repl.api.client;

import dev.repl.api.NodeAddress;
import dev.repl.api.NodeConfig;
import dev.repl.api.NodeStartException;
import dev.repl.api.Peer;
import dev.repl.api.TlsConfig;
import dev.repl.config.ReplicationConfig;
import dev.repl.handshake.ClusterId;
import dev.repl.handshake.Identity;
import dev.repl.leader.HeartbeatCheck;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.TlsContexts;
import java.time.Duration;
import java.util.List;

/**
 * Sends each follower one heartbeat and waits for its ack ({@code repl heartbeat} and
 * {@code repl demo} use it). Runs once; close releases its connections and thread.
 */
public final class HeartbeatProbe implements AutoCloseable {

    private final HeartbeatCheck check;

    private HeartbeatProbe(Identity self, List<Peer> followers, Duration timeout, boolean waitForListeners, String clusterId,
                           TlsConfig tls) {
        ClusterId cluster = ClusterId.of(NodeConfig.checkClusterId(clusterId));
        LinkSecurity security;
        try {
            security = new LinkSecurity(cluster, tls == null ? null : TlsContexts.load(tls));
        } catch (IllegalArgumentException e) {
            throw new NodeStartException(self.name() + ": " + e.getMessage(), e);
        }
        this.check = new HeartbeatCheck(self, followers, timeout, waitForListeners, security);
    }

    /**
     * A probe: followers answer it and never take it for their leader. A refused connection is a
     * final answer.
     *
     * @param tls mutual TLS, or null
     * @throws IllegalArgumentException for a bad name, cluster id ({@link NodeConfig.InvalidSettingException}), timeout or
     *                                  follower list
     * @throws NodeStartException       when a TLS file cannot be used
     */
    public static HeartbeatProbe probe(String name, List<Peer> followers, Duration timeout, String clusterId, TlsConfig tls) {
        return new HeartbeatProbe(Identity.probe(name), followers, timeout, false, clusterId, tls);
    }

    /**
     * A leader that heartbeats once, as in the reference scenario: it says hello as a leader
     * with no interval, and retries refused connections until {@code timeout}, for followers
     * that are still starting.
     */
    public static HeartbeatProbe once(String name, List<Peer> followers, Duration timeout) {
        return new HeartbeatProbe(Identity.leader(name, 0, 0), followers, timeout, true, ClusterId.DEFAULT_NAME, null);
    }

    /** Names followers {@code follower-1}, {@code follower-2}, ... in the order given; a probe checks the list. */
    public static List<Peer> named(List<NodeAddress> followers) {
        return ReplicationConfig.namedFollowers(followers);
    }

    /** Probes every follower; returns when each has an outcome, at the timeout at the latest. */
    public HeartbeatReport run() {
        return check.run();
    }

    /** Gives up on one follower now (its process has exited, say); safe from any thread. */
    public void abandon(Peer follower, String why) {
        check.abandon(follower, why);
    }

    @Override
    public void close() {
        check.close();
    }
}
