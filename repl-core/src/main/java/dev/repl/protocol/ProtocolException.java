package dev.repl.protocol;

import io.netty.handler.codec.DecoderException;

/** The peer sent bytes this protocol does not allow. The connection it came on is closed. */
public final class ProtocolException extends DecoderException {

    public ProtocolException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // A peer's bad bytes are not a bug here; the stack would only make the log line noisy and slow.
        return this;
    }
}
