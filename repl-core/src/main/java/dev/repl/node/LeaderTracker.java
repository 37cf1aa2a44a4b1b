package dev.repl.node;

import dev.repl.transport.Addresses;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's view of its leader: UP while heartbeats arrive, LOST when none has come for the
 * leader timeout. Fed and checked on the node's event loop; read from anywhere.
 */
public final class LeaderTracker {

    private static final Logger log = LoggerFactory.getLogger(LeaderTracker.class);

    /** WAITING until the first heartbeat; then UP or LOST. */
    public enum State { WAITING, UP, LOST }

    /** A point-in-time view; {@code lastHeartbeatAgeMs} is -1 before the first heartbeat. */
    public record Status(State state, String address, long lastHeartbeatAgeMs, String lastEvent) {
    }

    private final String nodeName;
    private final long timeoutNanos;
    private volatile State state = State.WAITING;
    private volatile long lastHeartbeatNanos;
    private volatile String address = "";
    private volatile String lastEvent = "no heartbeat yet";
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

    void heartbeatReceived(Channel channel, long nowNanos) {
        long previous = lastHeartbeatNanos;
        lastHeartbeatNanos = nowNanos;
        if (state == State.UP) {
            return;
        }
        address = Addresses.format(channel.remoteAddress());
        lastEvent = state == State.WAITING
                ? "first heartbeat from " + address
                : "heartbeats resumed from " + address + " after " + TimeUnit.NANOSECONDS.toMillis(nowNanos - previous) + " ms";
        state = State.UP;
        log.info("{}: leader up: {}", nodeName, lastEvent);
    }

    void check(long nowNanos) {
        long sinceLastCheck = nowNanos - lastCheckNanos;
        lastCheckNanos = nowNanos;
        if (sinceLastCheck > 2 * checkIntervalNanos()) {
            // This follower was stalled itself, and so perhaps was the leader: wait one on-time check before judging.
            judgeNotBeforeNanos = nowNanos + checkIntervalNanos();
        }
        if (state == State.UP && nowNanos - judgeNotBeforeNanos >= 0 && nowNanos - lastHeartbeatNanos > timeoutNanos) {
            state = State.LOST;
            lastEvent = "no heartbeat for " + TimeUnit.NANOSECONDS.toMillis(nowNanos - lastHeartbeatNanos) + " ms";
            log.warn("{}: leader lost: {} (leader timeout {} ms)", nodeName, lastEvent, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        }
    }

    public Status status() {
        long last = lastHeartbeatNanos;
        long age = state == State.WAITING ? -1 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - last);
        return new Status(state, address, age, lastEvent);
    }
}
