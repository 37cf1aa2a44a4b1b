package dev.repl.api;

import java.util.Arrays;

/**
 * How a proposal ended, as far as this node can tell. Exactly one of three:
 * <ul>
 *   <li>{@link Committed}: durable on as many nodes as the configured {@link Acks} needs, and
 *       applied here; with {@link Acks#QUORUM} (the default) or {@link Acks#ALL} it survives the
 *       loss of any minority, and every later read sees it.</li>
 *   <li>{@link Rejected}: never written; nothing changed, and it is safe to send again: to the
 *       leader, or here later unless the reason is {@code TOO_LARGE}, {@code LOG_FAILED},
 *       {@code APPLY_FAILED} or {@code NO_LOG}.</li>
 *   <li>{@link Unknown}: written, not known to be committed. It may still commit, or may be
 *       replaced by another leader's entry. Sending it again may apply it twice: read first, or
 *       make the command idempotent (a compare-and-set, say).</li>
 * </ul>
 */
public sealed interface Outcome permits Outcome.Committed, Outcome.Rejected, Outcome.Unknown {

    /**
     * @param index  the entry's position in the log
     * @param result what {@link StateMachine#apply} answered for it
     */
    record Committed(long index, byte[] result) implements Outcome {
        /** Equal when the index and the result's bytes are (a record compares arrays by identity). */
        @Override
        public boolean equals(Object o) {
            return o instanceof Committed c && c.index == index && Arrays.equals(c.result, result);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(index) * 31 + Arrays.hashCode(result);
        }

        @Override
        public String toString() {
            return "committed at index " + index;
        }
    }

    /** Why nothing was written. */
    enum Reason {
        /** This node is not the leader (or is stepping down); see {@link Rejected#leader}. */
        NOT_LEADER,
        /** The leader's disk is behind its writes; try again shortly. */
        BACKLOGGED,
        /** This node's log failed; it takes no more writes. */
        LOG_FAILED,
        /**
         * This node stopped applying committed entries: its state machine threw, or a snapshot
         * could not be written or restored. Until it is restarted it takes no writes and serves no
         * new linearizable reads (reads already waiting for what it applied are answered); a node
         * that knows the leader says NOT_LEADER instead, naming it.
         */
        APPLY_FAILED,
        /** The command is larger than a replication frame can carry ({@link LogOptions#maxCommandBytes}). */
        TOO_LARGE,
        /** This node keeps no log: it was started without a data directory. */
        NO_LOG,
        /** A read only: no majority confirmed in time that this node still leads. */
        NO_QUORUM
    }

    /**
     * @param message one line for a person
     * @param leader  the leader's name when this node knows another node leads, else null
     */
    record Rejected(Reason reason, String message, String leader) implements Outcome {
        @Override
        public String toString() {
            return "rejected, nothing written: " + message;
        }
    }

    /**
     * @param index   where it was written
     * @param message what is known: for example how many nodes had it when the commit timeout passed
     */
    record Unknown(long index, String message) implements Outcome {
        @Override
        public String toString() {
            return "outcome unknown (index " + index + "): " + message;
        }
    }
}
