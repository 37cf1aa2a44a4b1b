package dev.repl.it.linearizability;

import java.util.Objects;

/**
 * What a client asked of one key, without its outcome: the checker's model is one register per key, so an operation
 * is all it needs to know about a request. A sealed type rather than a kind field, so that each kind carries exactly
 * its own arguments. A null value means absent (the key does not exist), which only a CAS may expect.
 */
public sealed interface Op permits Op.Read, Op.Write, Op.Cas {

    String key();

    static Read read(String key) {
        return new Read(key);
    }

    static Write write(String key, String value) {
        return new Write(key, value);
    }

    /** @param expected the value the key must hold for the swap, or null: the key must be absent */
    static Cas cas(String key, String expected, String value) {
        return new Cas(key, expected, value);
    }

    /** Completes OK with the value it saw, a String, or null when the key was absent. */
    record Read(String key) implements Op {
        public Read {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "read " + key;
        }
    }

    /** Completes OK with no result (null). */
    record Write(String key, String value) implements Op {
        public Write {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "write " + key + " " + value;
        }
    }

    /** Completes OK with a Boolean: true if it swapped, false if it found another value ("mismatch") and changed nothing. */
    record Cas(String key, String expected, String value) implements Op {
        public Cas {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "cas " + key + " " + Operation.show(expected) + "->" + value;
        }
    }
}
