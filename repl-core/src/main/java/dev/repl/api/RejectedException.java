package dev.repl.api;

/** A query this node could not answer; nothing was read. {@link #rejected()} says why. */
public final class RejectedException extends RuntimeException {

    private final transient Outcome.Rejected rejected;

    public RejectedException(Outcome.Rejected rejected) {
        super(rejected.message(), null, false, false);
        this.rejected = rejected;
    }

    public Outcome.Rejected rejected() {
        return rejected;
    }
}
