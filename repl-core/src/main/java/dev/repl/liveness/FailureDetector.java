package dev.repl.liveness;

import dev.repl.api.FollowerState;

/**
 * Judges one follower from the timing of its acks. Fed and asked on the link's event loop only;
 * implementations keep O(1) state and allocate nothing per ack.
 */
public interface FailureDetector {

    /** An ack arrived at {@code nowNanos}. */
    void ackReceived(long nowNanos);

    /** What the silence since the last ack says at {@code nowNanos}: UP, SUSPECT or DOWN. */
    FollowerState judge(long nowNanos);

    /** Forget the history, for a new connection. */
    void reset(long nowNanos);

    /** What the verdict rests on, for the event log: {@code timeout 500 ms} or {@code phi 8.3}. */
    String suspicion(long nowNanos);
}
