package dev.repl.replication;

/**
 * This node stopped applying committed entries: the state machine threw, or a snapshot could not
 * be written. A deterministic state machine throws at the same entry on every node, so it is not
 * retried; the node refuses writes and linearizable reads until it is restarted.
 */
public final class ApplyFailedException extends IllegalStateException {

    public ApplyFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
