package dev.repl.api.client;

import dev.repl.api.Peer;
import dev.repl.api.client.FailureReason;

/**
 * What one follower did in a one-shot check: how far the check got with it, and for one that did
 * not respond, the reason and one line saying why (the offending bytes, the TLS failure, ...).
 *
 * @param rttNanos the heartbeat's round trip, or -1 when the follower did not respond
 * @param reason   why it did not respond, or null when it did
 * @param failure  for example {@code connection refused} or {@code timed out: no ack within 1s};
 *                 empty when the follower responded
 */
public record FollowerOutcome(Peer peer, Stage stage, long rttNanos, FailureReason reason, String failure) {

    /** How far a check got with one follower, in order. */
    public enum Stage {
        /** No link: not connected, or the hello not accepted. */
        NOT_LINKED,
        /** Connected, and the hello accepted. */
        LINKED,
        /** The heartbeat written to the connection. */
        SENT,
        /** The ack received. */
        RESPONDED
    }

    public boolean responded() {
        return stage == Stage.RESPONDED;
    }

    /** Connected with the hello accepted, whatever came after. */
    public boolean linked() {
        return stage.compareTo(Stage.LINKED) >= 0;
    }

    /** The heartbeat went out, whatever came after. */
    public boolean sent() {
        return stage.compareTo(Stage.SENT) >= 0;
    }

    public static FollowerOutcome responded(Peer peer, long rttNanos) {
        return new FollowerOutcome(peer, Stage.RESPONDED, rttNanos, null, "");
    }

    public static FollowerOutcome failed(Peer peer, Stage stage, FailureReason reason, String detail) {
        return new FollowerOutcome(peer, unanswered(stage), -1, reason, detail == null ? reason.text() : reason.text() + ": " + detail);
    }

    public static FollowerOutcome failed(Peer peer, Stage stage, Throwable cause) {
        return new FollowerOutcome(peer, unanswered(stage), -1, FailureReason.of(cause), FailureReason.explain(cause));
    }

    /** Given up on for a reason the caller names in full, such as {@code process exited: exit code 3}. */
    public static FollowerOutcome abandoned(Peer peer, Stage stage, String why) {
        return new FollowerOutcome(peer, unanswered(stage), -1, FailureReason.OTHER, why);
    }

    /** An ack racing a verdict may have moved the stage on; a follower without an outcome of its own was not answered. */
    private static Stage unanswered(Stage stage) {
        return stage == Stage.RESPONDED ? Stage.SENT : stage;
    }
}
