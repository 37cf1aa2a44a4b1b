package dev.repl.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * What a replicated log drives: the application's state, changed only by committed entries, in
 * log order, on one thread. The same entries applied in the same order give the same state on
 * every node; that is all replication promises, and all a state machine may rely on.
 *
 * <p>{@link #apply}, {@link #snapshot} and {@link #restore} run on the node's one applier thread,
 * never at once. {@code apply} must be deterministic: no clock, no randomness, no I/O whose
 * result could differ between nodes.
 *
 * <p>If {@code apply} throws (an {@code Error} too), or a snapshot cannot be written or
 * restored, the node stops applying: a deterministic state machine would throw at the same entry
 * on every retry. It logs why; the proposals waiting for their result end
 * {@link Outcome.Unknown} (they are committed, or may be, but were not applied here); an elected
 * member steps down if it leads and never stands again. From then on it rejects proposals and
 * linearizable queries: {@link Outcome.Reason#NOT_LEADER} naming the leader once another member
 * leads, else {@link Outcome.Reason#APPLY_FAILED}. Restart it with a state machine that can apply
 * the entry: it replays from its last snapshot. A command the state machine refuses should be
 * answered in the returned bytes, not thrown.
 */
public interface StateMachine {

    /**
     * Applies the committed entry at {@code index}.
     *
     * @return what the entry's proposer is answered (for example a previous value, or a refusal);
     *         deterministic: every node computes the same
     * @throws RuntimeException only when the state cannot go on: the node stops applying (see above)
     */
    byte[] apply(long index, byte[] command);

    /** Writes the whole state as of the last entry applied; {@link #restore} reads it back. */
    void snapshot(OutputStream out) throws IOException;

    /**
     * Replaces the whole state with a snapshot's: when a lagging member is sent one, and at
     * {@link ReplNode#create}, on the caller's thread, with the latest snapshot on disk (the
     * entries after it are then applied again).
     */
    void restore(InputStream in) throws IOException;

    /**
     * Answers a read from the state applied so far; changes nothing. {@link ReplNode#query} calls
     * it once every entry committed before the query is applied (linearizable),
     * {@link ReplNode#queryStale} at once. It runs on a thread other than the applier's (the node's
     * answers thread, or the caller's), possibly while {@link #apply} runs: read state that is safe to
     * share (a volatile field, a concurrent map, an immutable snapshot swapped in whole).
     *
     * @return the answer; null is passed on as null
     */
    byte[] query(byte[] request);
}
