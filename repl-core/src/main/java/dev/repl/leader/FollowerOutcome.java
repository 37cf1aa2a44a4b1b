package dev.repl.leader;

import dev.repl.config.Peer;
import dev.repl.transport.FailureReason;

/**
 * What one follower did in a one-shot check: answered (with the round-trip time), or not (with
 * the reason and one line saying why, such as the offending bytes or the TLS failure).
 *
 * @param failure for example {@code connection refused} or {@code protocol error: unknown frame type 0x47 ...};
 *                empty when the follower responded
 */
public record FollowerOutcome(Peer peer, boolean responded, long rttNanos, FailureReason reason, String failure) {

    static FollowerOutcome responded(Peer peer, long rttNanos) {
        return new FollowerOutcome(peer, true, rttNanos, null, "");
    }

    static FollowerOutcome failed(Peer peer, FailureReason reason, String detail) {
        return new FollowerOutcome(peer, false, -1, reason, detail == null ? reason.text() : reason.text() + ": " + detail);
    }

    static FollowerOutcome failed(Peer peer, Throwable cause) {
        return new FollowerOutcome(peer, false, -1, FailureReason.of(cause), FailureReason.explain(cause));
    }
}
