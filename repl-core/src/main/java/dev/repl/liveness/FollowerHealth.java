package dev.repl.liveness;

import dev.repl.api.FollowerState;
import dev.repl.api.Peer;
import dev.repl.failure.RepeatedFailure;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.IntCountsHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * One follower's state machine and statistics on the leader:
 * CONNECTING -> UP -> SUSPECT -> DOWN -> (reconnect) -> UP. Written only by the follower's link,
 * on its event loop; {@link #status} may be called from any thread.
 */
public final class FollowerHealth {

    private static final Logger log = LoggerFactory.getLogger(FollowerHealth.class);

    /** RTTs from 1 us to 10 s at 2 significant digits: about 9 KB per follower. */
    private static final long MAX_RTT_US = TimeUnit.SECONDS.toMicros(10);

    private final String leaderName;
    private final Peer follower;
    private final FailureDetector detector;
    private final StateListener listener;
    private final RepeatedFailure listenerFailures;
    private final IntCountsHistogram rttUs = new IntCountsHistogram(1, MAX_RTT_US, 2);

    private volatile FollowerState state = FollowerState.CONNECTING;
    private volatile long lastAckNanos;
    private volatile long lastRttNanos = -1;
    private volatile long missed;
    private volatile long reconnects;
    private volatile long connectAttempts;
    private volatile String lastEvent = "not connected yet";
    private boolean connectedBefore;

    public FollowerHealth(String leaderName, Peer follower, FailureDetector detector, StateListener listener) {
        this.leaderName = leaderName;
        this.follower = follower;
        this.detector = detector;
        this.listener = listener;
        this.listenerFailures = new RepeatedFailure(log, leaderName + ": state listener for " + follower.name());
    }

    /** A connection is established; the follower is UP once it acks on it. */
    public void connected(long nowNanos) {
        if (connectedBefore) {
            reconnects++;
        }
        connectedBefore = true;
        detector.reset(nowNanos);
    }

    public void connectAttempted() {
        connectAttempts++;
    }

    /** Adds every round-trip time recorded so far, in microseconds, to {@code into}. Safe from any thread. */
    public void addRttMicrosTo(AbstractHistogram into) {
        synchronized (rttUs) {
            into.add(rttUs);
        }
    }

    public void ackReceived(long nowNanos, long rttNanos) {
        lastAckNanos = nowNanos;
        lastRttNanos = rttNanos;
        detector.ackReceived(nowNanos);
        synchronized (rttUs) {
            rttUs.recordValue(Math.min(MAX_RTT_US, Math.max(1, TimeUnit.NANOSECONDS.toMicros(rttNanos))));
        }
        if (state != FollowerState.UP) {
            transition(FollowerState.UP, nowNanos, state == FollowerState.SUSPECT ? "ack arrived" : "acked on the connection");
        }
    }

    public void heartbeatMissed() {
        missed++;
    }

    /**
     * Asks the detector at a heartbeat tick.
     *
     * @return true if the follower is now DOWN and its connection should be dropped
     */
    public boolean tick(long nowNanos) {
        if (state != FollowerState.UP && state != FollowerState.SUSPECT) {
            return false;
        }
        FollowerState verdict = detector.judge(nowNanos);
        if (verdict != state) {
            transition(verdict, nowNanos, "no ack for " + TimeUnit.NANOSECONDS.toMillis(nowNanos - lastAckNanos) + " ms ("
                    + detector.suspicion(nowNanos) + ", last rtt " + lastRttText() + ")");
        }
        return verdict == FollowerState.DOWN;
    }

    /** The connection is gone: a reset or a close is a failure at once, whatever the detector says. */
    public void connectionLost(long nowNanos, String why) {
        if (state != FollowerState.DOWN) {
            transition(FollowerState.DOWN, nowNanos, why);
        }
    }

    public FollowerStatus status() {
        long now = System.nanoTime();
        long last = lastAckNanos;
        long lastRtt = lastRttNanos;
        long p50;
        long p99;
        long samples;
        double mean;
        synchronized (rttUs) {
            samples = rttUs.getTotalCount();
            p50 = samples == 0 ? -1 : rttUs.getValueAtPercentile(50);
            p99 = samples == 0 ? -1 : rttUs.getValueAtPercentile(99);
            mean = samples == 0 ? 0 : rttUs.getMean();
        }
        return new FollowerStatus(follower.name(), follower.address().toString(), state,
                last == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(now - last), lastRtt < 0 ? -1 : TimeUnit.NANOSECONDS.toMicros(lastRtt),
                p50, p99, samples, mean,
                missed, reconnects, connectAttempts, lastEvent);
    }

    private void transition(FollowerState to, long nowNanos, String evidence) {
        FollowerState from = state;
        state = to;
        lastEvent = from + " -> " + to + ": " + evidence;
        long rtt = lastRttNanos;
        log.atLevel(to == FollowerState.UP ? Level.INFO : Level.WARN).addKeyValue("event", "follower-state")
                .addKeyValue("follower", follower.name()).addKeyValue("from", from).addKeyValue("to", to).addKeyValue("reason", evidence)
                .addKeyValue("rttUs", rtt < 0 ? null : TimeUnit.NANOSECONDS.toMicros(rtt))
                .log("{}: {} {}", leaderName, follower.name(), lastEvent);
        try {
            listener.stateChanged(follower, from, to, evidence, nowNanos);
        } catch (RuntimeException e) {
            // Someone else's bug must not stop this link: the change is made and logged either way.
            listenerFailures.failed(e);
        }
    }

    private String lastRttText() {
        long rtt = lastRttNanos;
        return rtt < 0 ? "none" : TimeUnit.NANOSECONDS.toMicros(rtt) + " us";
    }
}
