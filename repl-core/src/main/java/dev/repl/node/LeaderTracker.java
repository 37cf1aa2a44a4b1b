package dev.repl.node;

import dev.repl.api.ConnectionOptions;
import dev.repl.config.Addresses;
import dev.repl.handshake.Identity;
import dev.repl.protocol.LinkRole;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's view of its leader, from the heartbeats that arrive on leader links (a probe's
 * never count): UP while they arrive, LOST when none has come for the leader timeout.
 *
 * <p>It tracks connections, not names. A new connection of the leader it follows — same name,
 * same host — is a reconnect only once the old one is closed or silent; while both deliver
 * heartbeats they are two leaders, whatever they are called. A second leader heartbeating within
 * the timeout is logged and shown until it falls silent; of two, the one of the higher term is
 * followed, and at equal terms the first.
 *
 * <p>Fed and checked on the node's one event loop. Other threads read {@link #status}, which
 * comes from one immutable view published on every change, so it is never half updated.
 */
public final class LeaderTracker {

    private static final Logger log = LoggerFactory.getLogger(LeaderTracker.class);
    /** Warnings a peer can cause (a second leader, a leader's interval) are logged once a second at most. */
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** WAITING until the first heartbeat; then UP or LOST. */
    public enum State { WAITING, UP, LOST }

    /** A leader as this follower has heard it; {@code lastHeartbeatAgeMs} is the time since its last heartbeat. */
    public record Seen(String name, String address, long term, long lastHeartbeatAgeMs) {

        @Override
        public String toString() {
            return name + " (" + address + ", term " + term + ")";
        }
    }

    /**
     * A point-in-time view.
     *
     * @param leader      the leader followed, or null before the first heartbeat
     * @param otherLeader a second leader heard within the leader timeout, or null
     * @param warning     {@code two leaders: a (...) and b (...)} while there are two, otherwise null
     */
    public record Status(State state, Seen leader, Seen otherLeader, String lastEvent, String warning) {

        /** Whether this follower does its job: it hears one leader. */
        public boolean healthy() {
            return state == State.UP && warning == null;
        }
    }

    /** A leader's connection as this tracker knows it. */
    private record Link(Identity identity, Channel channel, String address, String host) {

        boolean sameNode(Link other) {
            return identity.name().equals(other.identity.name()) && Objects.equals(host, other.host);
        }

        String describe() {
            return identity.name() + " (" + address + ", term " + identity.term() + ")";
        }
    }

    /** Everything but the heartbeat times, replaced whole on every change. */
    private record View(State state, Link leader, Link other, String lastEvent, String warning) {
    }

    private final String nodeName;
    private final long timeoutNanos;
    private final long idleTimeoutNanos;
    private volatile View view = new View(State.WAITING, null, null, "no heartbeat yet", null);
    private volatile long lastHeartbeatNanos;
    private volatile long otherLastHeartbeatNanos;
    private Identity warnedInterval;
    private long lastWarnNanos = System.nanoTime() - WARN_EVERY_NANOS;
    private long lastCheckNanos = System.nanoTime();
    private long judgeNotBeforeNanos = lastCheckNanos;

    public LeaderTracker(String nodeName, Duration timeout) {
        this(nodeName, timeout, ConnectionOptions.DEFAULT_IDLE_TIMEOUT);
    }

    /** @param idleTimeout the node's {@code --idle-timeout}, checked against each leader's interval */
    public LeaderTracker(String nodeName, Duration timeout, Duration idleTimeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("leader timeout must be positive, was " + timeout);
        }
        this.nodeName = nodeName;
        this.timeoutNanos = timeout.toNanos();
        this.idleTimeoutNanos = idleTimeout.toNanos();
    }

    /** How often {@link #check} should run: often enough to notice a loss within a tenth of the timeout. */
    public long checkIntervalNanos() {
        return Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(timeoutNanos / 10, TimeUnit.MILLISECONDS.toNanos(100)));
    }

    /**
     * A peer has said who it is. A leader that heartbeats less often than the leader timeout
     * allows would be reported lost between its heartbeats: that is said once per leader.
     */
    void linked(Identity peer) {
        if (peer.role() != LinkRole.LEADER || peer.equals(warnedInterval)) {
            return;
        }
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(peer.heartbeatIntervalMs());
        if (timeoutNanos < 2 * intervalNanos && mayWarn()) {
            warnedInterval = peer;
            log.warn("{}: leader {} heartbeats every {} ms, but --leader-timeout is {} ms: the leader will be reported lost between"
                            + " heartbeats; give this follower a --leader-timeout of at least {} ms", nodeName, peer.name(),
                    peer.heartbeatIntervalMs(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos), 2 * peer.heartbeatIntervalMs());
        } else if (idleTimeoutNanos < 2 * intervalNanos && mayWarn()) {
            warnedInterval = peer;
            log.warn("{}: leader {} heartbeats every {} ms, but --idle-timeout is {} ms: its link will be closed between heartbeats;"
                            + " give this follower an --idle-timeout of at least {} ms", nodeName, peer.name(), peer.heartbeatIntervalMs(),
                    TimeUnit.NANOSECONDS.toMillis(idleTimeoutNanos), 2 * peer.heartbeatIntervalMs());
        }
    }

    /** A heartbeat arrived on a link whose peer is {@code from}. Only leader links count. */
    void heartbeatReceived(Identity from, Channel channel, long nowNanos) {
        View v = view;
        if (v.leader != null && from == v.leader.identity) {
            long previous = lastHeartbeatNanos;
            lastHeartbeatNanos = nowNanos;
            if (v.state != State.UP) {
                up(v, v.leader, "heartbeats resumed from " + v.leader.describe() + " after "
                        + TimeUnit.NANOSECONDS.toMillis(nowNanos - previous) + " ms");
            }
            return;
        }
        if (v.other != null && from == v.other.identity) {
            otherLastHeartbeatNanos = nowNanos;
            return;
        }
        if (from.role() == LinkRole.LEADER) {
            newLink(v, link(from, channel), nowNanos);
        }
    }

    private static Link link(Identity identity, Channel channel) {
        String address = Addresses.format(channel.remoteAddress());
        String host = channel.remoteAddress() instanceof InetSocketAddress inet ? inet.getHostString() : address;
        return new Link(identity, channel, address, host);
    }

    /** The first heartbeat of a connection this tracker has not seen yet. */
    private void newLink(View v, Link link, long nowNanos) {
        Link current = v.leader;
        if (current == null || v.state != State.UP) {
            String event = current == null ? "first heartbeat from " + link.describe()
                    : link.sameNode(current) ? "heartbeats from " + link.describe() + " again"
                    : "heartbeats from " + link.describe() + " after " + current.describe() + " was lost";
            lastHeartbeatNanos = nowNanos;
            up(new View(v.state, link, v.other, v.lastEvent, v.warning), link, event);
            return;
        }
        if (link.sameNode(current) && gone(current, lastHeartbeatNanos, nowNanos)) {
            // The followed leader on a new connection: the old one is closed or silent.
            lastHeartbeatNanos = nowNanos;
            boolean otherWasIt = v.other != null && link.sameNode(v.other);
            view = new View(State.UP, link, otherWasIt ? null : v.other, "heartbeats from " + link.describe() + " on a new connection",
                    otherWasIt ? null : v.warning);
            return;
        }
        if (v.other != null && link.sameNode(v.other) && gone(v.other, otherLastHeartbeatNanos, nowNanos)) {
            otherLastHeartbeatNanos = nowNanos;
            second(v, link);
            return;
        }
        if (v.other == null || gone(v.other, otherLastHeartbeatNanos, nowNanos) || link.identity.term() >= v.other.identity.term()) {
            otherLastHeartbeatNanos = nowNanos;
            second(v, link);
        }
    }

    /** {@code link} is a second leader beside the one followed; the higher term is followed. */
    private void second(View v, Link link) {
        Link followed = v.leader;
        Link other = link;
        String event = v.lastEvent;
        if (link.identity.term() > followed.identity.term()) {
            long followedLast = lastHeartbeatNanos;
            lastHeartbeatNanos = otherLastHeartbeatNanos;
            otherLastHeartbeatNanos = followedLast;
            other = followed;
            followed = link;
            event = "following " + link.describe() + ": a newer term than " + other.describe();
        }
        String warning = "two leaders: " + followed.describe() + " and " + other.describe();
        view = new View(State.UP, followed, other, event, warning);
        if (mayWarn()) {
            log.atWarn().addKeyValue("event", "two-leaders").addKeyValue("leader", followed.identity.name())
                    .addKeyValue("other", other.identity.name()).log("{}: {}", nodeName, warning);
        } else {
            log.debug("{}: {}", nodeName, warning);
        }
    }

    /** A connection that is closed, or has not heartbeat for three of its intervals, no longer speaks for its node. */
    private static boolean gone(Link link, long lastNanos, long nowNanos) {
        long interval = TimeUnit.MILLISECONDS.toNanos(Math.max(50, link.identity.heartbeatIntervalMs()));
        return !link.channel.isActive() || nowNanos - lastNanos > 3 * interval;
    }

    private boolean mayWarn() {
        long now = System.nanoTime();
        if (now - lastWarnNanos < WARN_EVERY_NANOS) {
            return false;
        }
        lastWarnNanos = now;
        return true;
    }

    private void up(View v, Link leader, String event) {
        view = new View(State.UP, leader, v.other, event, v.warning);
        log.atInfo().addKeyValue("event", "leader-up").addKeyValue("leader", leader.identity.name()).addKeyValue("term", leader.identity.term())
                .addKeyValue("reason", event).log("{}: leader up: {}", nodeName, event);
    }

    void check(long nowNanos) {
        long sinceLastCheck = nowNanos - lastCheckNanos;
        lastCheckNanos = nowNanos;
        if (sinceLastCheck > 2 * checkIntervalNanos()) {
            // This follower was stalled itself, and so perhaps was the leader: wait one on-time check before judging.
            judgeNotBeforeNanos = nowNanos + checkIntervalNanos();
        }
        if (nowNanos - judgeNotBeforeNanos < 0) {
            return;
        }
        View v = view;
        if (v.other != null && nowNanos - otherLastHeartbeatNanos > timeoutNanos) {
            String event = "one leader again: " + v.other.describe() + " silent for "
                    + TimeUnit.NANOSECONDS.toMillis(nowNanos - otherLastHeartbeatNanos) + " ms";
            log.atInfo().addKeyValue("event", "one-leader").addKeyValue("leader", v.leader.identity.name())
                    .addKeyValue("reason", event).log("{}: {}", nodeName, event);
            v = new View(v.state, v.leader, null, v.lastEvent, null);
            view = v;
        }
        if (v.state == State.UP && nowNanos - lastHeartbeatNanos > timeoutNanos) {
            String silence = "no heartbeat from " + v.leader.describe() + " for " + TimeUnit.NANOSECONDS.toMillis(nowNanos - lastHeartbeatNanos) + " ms";
            if (v.other != null) {
                lastHeartbeatNanos = otherLastHeartbeatNanos;
                String event = silence + "; following " + v.other.describe();
                view = new View(State.UP, v.other, null, event, null);
                log.atWarn().addKeyValue("event", "leader-lost").addKeyValue("leader", v.leader.identity.name())
                        .addKeyValue("to", v.other.identity.name()).addKeyValue("reason", event).log("{}: leader lost: {}", nodeName, event);
                return;
            }
            view = new View(State.LOST, v.leader, null, silence, null);
            log.atWarn().addKeyValue("event", "leader-lost").addKeyValue("leader", v.leader.identity.name()).addKeyValue("reason", silence)
                    .log("{}: leader lost: {} (leader timeout {} ms)", nodeName, silence, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        }
    }

    public Status status() {
        long now = System.nanoTime();
        View v = view;
        Seen leader = v.leader == null ? null : seen(v.leader, now - lastHeartbeatNanos);
        Seen other = v.other == null ? null : seen(v.other, now - otherLastHeartbeatNanos);
        return new Status(v.state, leader, other, v.lastEvent, v.warning);
    }

    private static Seen seen(Link link, long ageNanos) {
        return new Seen(link.identity.name(), link.address, link.identity.term(), Math.max(0, TimeUnit.NANOSECONDS.toMillis(ageNanos)));
    }
}
