package dev.repl.api.client;

/**
 * No answer came from a node; the message says why, in one line. When {@link #sent} the request
 * may have reached it, and a write's outcome is unknown; otherwise it was never sent.
 */
public final class Unreachable extends Exception {

    private final boolean sent;

    public Unreachable(String message, boolean sent) {
        super(message);
        this.sent = sent;
    }

    /** The request may have reached a node: a write's outcome is then unknown. */
    public boolean sent() {
        return sent;
    }
}
