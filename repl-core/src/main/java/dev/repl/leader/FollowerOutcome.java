package dev.repl.leader;

import dev.repl.config.Peer;
import dev.repl.transport.FailureReason;

/**
 * What one follower did in a one-shot check: answered (with the round-trip time), or not (with
 * the reason and, where it helps, a detail such as the offending bytes).
 */
public record FollowerOutcome(Peer peer, boolean responded, long rttNanos, FailureReason reason, String detail) {

    static FollowerOutcome responded(Peer peer, long rttNanos) {
        return new FollowerOutcome(peer, true, rttNanos, null, null);
    }

    static FollowerOutcome failed(Peer peer, FailureReason reason, String detail) {
        return new FollowerOutcome(peer, false, -1, reason, detail);
    }

    /** For example {@code connection refused} or {@code protocol error: unknown frame type 0x47 ...}. */
    public String failure() {
        if (responded) {
            return "";
        }
        return detail == null ? reason.text() : reason.text() + ": " + detail;
    }
}
