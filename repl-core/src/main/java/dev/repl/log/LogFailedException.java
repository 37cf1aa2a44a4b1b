package dev.repl.log;

/**
 * A write or fsync of the log failed (a full disk, a failing device): what is on disk is unknown
 * from then on, so nothing more is written or acknowledged. Final for the node's life.
 */
public final class LogFailedException extends RuntimeException {

    public LogFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
