package dev.repl.api;

/** A node could not start. The message names the node, the address and the cause in one line. */
public final class NodeStartException extends RuntimeException {

    public NodeStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
