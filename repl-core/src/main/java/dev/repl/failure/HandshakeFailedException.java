package dev.repl.failure;

import dev.repl.api.client.FailureReason;
import java.io.IOException;

/**
 * A connection opened but never became a link: the peer rejected the hello, closed without
 * answering it, or did not answer in time. The message is the detail a user reads after the reason.
 */
public final class HandshakeFailedException extends IOException {

    private final FailureReason reason;

    public HandshakeFailedException(FailureReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public FailureReason reason() {
        return reason;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // an answer from a peer, not a bug: no stack to print
    }
}
