package dev.repl.liveness;

import dev.repl.api.FollowerState;
import java.util.concurrent.TimeUnit;

/** DOWN after a fixed time without an ack; SUSPECT after half of it. */
final class TimeoutDetector implements FailureDetector {

    private final long timeoutNanos;
    private long lastAckNanos;

    TimeoutDetector(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void ackReceived(long nowNanos) {
        lastAckNanos = nowNanos;
    }

    @Override
    public FollowerState judge(long nowNanos) {
        long silence = nowNanos - lastAckNanos;
        if (silence > timeoutNanos) {
            return FollowerState.DOWN;
        }
        return silence > timeoutNanos / 2 ? FollowerState.SUSPECT : FollowerState.UP;
    }

    @Override
    public void reset(long nowNanos) {
        lastAckNanos = nowNanos;
    }

    @Override
    public String suspicion(long nowNanos) {
        return "timeout " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
    }
}
