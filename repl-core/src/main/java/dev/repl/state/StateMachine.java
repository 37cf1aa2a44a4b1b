package dev.repl.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * What a replicated log drives: the application's state, changed only by committed entries, in
 * log order, on one thread. The same entries applied in the same order give the same state on
 * every node; that is all replication promises, and all a state machine may rely on.
 */
public interface StateMachine {

    /**
     * Applies the committed entry at {@code index}.
     *
     * @return what the entry's proposer is answered (for example a previous value, or a refusal);
     *         deterministic: every node computes the same
     */
    byte[] apply(long index, byte[] command);

    /** Writes the whole state as of the last entry applied; {@link #restore} reads it back. */
    void snapshot(OutputStream out) throws IOException;

    /** Replaces the whole state with a snapshot's. */
    void restore(InputStream in) throws IOException;
}
