package dev.repl.replication;

/** This node does not lead (any more): nothing was proposed, or what was proposed may be replaced. */
public final class NotLeaderException extends IllegalStateException {

    public NotLeaderException(String message) {
        super(message);
    }
}
