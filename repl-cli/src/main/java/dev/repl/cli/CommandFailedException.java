package dev.repl.cli;

/**
 * A command could not do its job for a reason its message names and the user can act on (a
 * program missing, a cluster that never came up): printed as it is, exit 3, no "unexpected".
 */
public final class CommandFailedException extends RuntimeException {

    public CommandFailedException(String message) {
        super(message);
    }
}
