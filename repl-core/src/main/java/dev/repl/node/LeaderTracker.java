package dev.repl.node;

import dev.repl.config.Addresses;
import dev.repl.handshake.Identity;
import dev.repl.protocol.LinkRole;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's view of its leader, from the heartbeats that arrive on leader links (a probe's
 * never count): UP while they arrive, LOST when none has come for the leader timeout. A second
 * leader heartbeating within the timeout is logged and shown until it falls silent; of two, the
 * one of the higher term is followed. Fed and checked on the node's event loop; read from anywhere.
 */
public final class LeaderTracker {

    private static final Logger log = LoggerFactory.getLogger(LeaderTracker.class);

    /** WAITING until the first heartbeat; then UP or LOST. */
    public enum State { WAITING, UP, LOST }

    /** A leader as this follower has heard it; {@code lastHeartbeatAgeMs} is -1 before its first heartbeat. */
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

    private final String nodeName;
    private final long timeoutNanos;

    private volatile State state = State.WAITING;
    private volatile Identity leader;
    private volatile String leaderAddress = "";
    private volatile long lastHeartbeatNanos;
    private volatile Identity other;
    private volatile String otherAddress = "";
    private volatile long otherLastHeartbeatNanos;
    private volatile String lastEvent = "no heartbeat yet";
    private volatile String warning;
    private String leaderHost;
    private String otherHost;
    private Identity warnedInterval;
    private long lastCheckNanos = System.nanoTime();
    private long judgeNotBeforeNanos = lastCheckNanos;

    public LeaderTracker(String nodeName, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("leader timeout must be positive, was " + timeout);
        }
        this.nodeName = nodeName;
        this.timeoutNanos = timeout.toNanos();
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
        if (timeoutNanos < 2 * intervalNanos) {
            warnedInterval = peer;
            log.warn("{}: leader {} heartbeats every {} ms, but --leader-timeout is {} ms: the leader will be reported lost between"
                            + " heartbeats; give this follower a --leader-timeout of at least {} ms", nodeName, peer.name(),
                    peer.heartbeatIntervalMs(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos), 2 * peer.heartbeatIntervalMs());
        }
    }

    /** A heartbeat arrived on a link whose peer is {@code from}. Only leader links count. */
    void heartbeatReceived(Identity from, Channel channel, long nowNanos) {
        if (from == leader) {
            long previous = lastHeartbeatNanos;
            lastHeartbeatNanos = nowNanos;
            if (state != State.UP) {
                up("heartbeats resumed from " + describe(from, leaderAddress) + " after "
                        + TimeUnit.NANOSECONDS.toMillis(nowNanos - previous) + " ms");
            }
            return;
        }
        if (from == other) {
            otherLastHeartbeatNanos = nowNanos;
            return;
        }
        if (from.role() != LinkRole.LEADER) {
            return;
        }
        newLink(from, channel.remoteAddress(), nowNanos);
    }

    /** The first heartbeat of a link this tracker has not seen yet: a new connection, or a new leader. */
    private void newLink(Identity from, SocketAddress remote, long nowNanos) {
        String address = Addresses.format(remote);
        String host = remote instanceof InetSocketAddress inet ? inet.getHostString() : address;
        Identity current = leader;
        if (current == null || state != State.UP || same(from, host, current, leaderHost)) {
            boolean wasOther = other != null && same(from, host, other, otherHost);
            String event = current == null ? "first heartbeat from " + describe(from, address)
                    : same(from, host, current, leaderHost) ? "heartbeats from " + describe(from, address) + " on a new connection"
                    : "heartbeats from " + describe(from, address) + " after " + describe(current, leaderAddress) + " was lost";
            follow(from, address, host, nowNanos);
            if (wasOther) {
                clearOther(null);
            }
            if (state != State.UP || current == null) {
                up(event);
            }
            return;
        }
        if (other != null && same(from, host, other, otherHost)) {
            other = from;
            otherAddress = address;
            otherLastHeartbeatNanos = nowNanos;
            return;
        }
        if (from.term() > current.term()) {
            // The newer term is the leader to follow; the one it replaced is shown as the other.
            other = current;
            otherAddress = leaderAddress;
            otherHost = leaderHost;
            otherLastHeartbeatNanos = lastHeartbeatNanos;
            follow(from, address, host, nowNanos);
            lastEvent = "following " + describe(from, address) + ": a newer term than " + describe(current, otherAddress);
        } else {
            other = from;
            otherAddress = address;
            otherHost = host;
            otherLastHeartbeatNanos = nowNanos;
        }
        warning = "two leaders: " + describe(leader, leaderAddress) + " and " + describe(other, otherAddress);
        log.warn("{}: {}", nodeName, warning);
    }

    private void follow(Identity from, String address, String host, long nowNanos) {
        leader = from;
        leaderAddress = address;
        leaderHost = host;
        lastHeartbeatNanos = nowNanos;
    }

    private void up(String event) {
        lastEvent = event;
        state = State.UP;
        log.info("{}: leader up: {}", nodeName, event);
    }

    /** Same name from the same host: one leader, whatever its connection or term. */
    private static boolean same(Identity a, String aHost, Identity b, String bHost) {
        return a.name().equals(b.name()) && Objects.equals(aHost, bHost);
    }

    private static String describe(Identity who, String address) {
        return who.name() + " (" + address + ", term " + who.term() + ")";
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
        Identity second = other;
        if (second != null && nowNanos - otherLastHeartbeatNanos > timeoutNanos) {
            clearOther("one leader again: " + describe(second, otherAddress) + " silent for "
                    + TimeUnit.NANOSECONDS.toMillis(nowNanos - otherLastHeartbeatNanos) + " ms");
            second = null;
        }
        if (state == State.UP && nowNanos - lastHeartbeatNanos > timeoutNanos) {
            String silence = "no heartbeat from " + describe(leader, leaderAddress) + " for "
                    + TimeUnit.NANOSECONDS.toMillis(nowNanos - lastHeartbeatNanos) + " ms";
            if (second != null) {
                Identity lost = leader;
                String lostAddress = leaderAddress;
                follow(second, otherAddress, otherHost, otherLastHeartbeatNanos);
                clearOther(null);
                lastEvent = silence + "; following " + describe(second, leaderAddress);
                log.warn("{}: leader lost: {}", nodeName, lastEvent);
                log.debug("{}: {} was lost", nodeName, describe(lost, lostAddress));
                return;
            }
            state = State.LOST;
            lastEvent = silence;
            log.warn("{}: leader lost: {} (leader timeout {} ms)", nodeName, lastEvent, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        }
    }

    private void clearOther(String event) {
        other = null;
        otherAddress = "";
        otherHost = null;
        warning = null;
        if (event != null) {
            log.info("{}: {}", nodeName, event);
        }
    }

    public Status status() {
        long now = System.nanoTime();
        Identity followed = leader;
        Identity second = other;
        Seen seen = followed == null ? null : new Seen(followed.name(), leaderAddress, followed.term(),
                TimeUnit.NANOSECONDS.toMillis(now - lastHeartbeatNanos));
        Seen seenOther = second == null ? null : new Seen(second.name(), otherAddress, second.term(),
                TimeUnit.NANOSECONDS.toMillis(now - otherLastHeartbeatNanos));
        return new Status(state, seen, seenOther, lastEvent, warning);
    }
}
