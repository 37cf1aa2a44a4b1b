package dev.repl.it.linearizability;

import java.util.Objects;

/**
 * An operation with its outcome and its window: invoked at sequence number {@code invoke}, completed at {@code complete}.
 * This is what the checker reasons about; {@link History#operations()} pairs recorded events into these, and tests may
 * build them directly.
 *
 * <p>The outcome decides what the window means. OK: it took effect once, somewhere inside the window, and answered
 * {@code result}. FAIL: it definitely took no effect. UNKNOWN (a timeout, or never completed): it may have taken effect
 * once at any point after {@code invoke}, even after {@code complete}, or never; {@code complete} only records when the
 * client gave up.
 *
 * @param complete the sequence number of its completion, or {@link #NEVER} if the client never recorded one
 */
public record Operation(int process, Op op, Outcome outcome, Object result, long invoke, long complete) {

    public enum Outcome { OK, FAIL, UNKNOWN }

    /** The completion of an operation whose client recorded none. */
    public static final long NEVER = Long.MAX_VALUE;

    public Operation {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(outcome, "outcome");
        if (outcome == Outcome.OK) {
            requireResult(op, result);
        } else if (result != null) {
            throw new IllegalArgumentException("only an OK operation has a result: " + op + " " + outcome + " " + result);
        }
        if (invoke < 0 || complete <= invoke) {
            throw new IllegalArgumentException("an operation completes after it is invoked: [" + invoke + ".." + complete + "]");
        }
        if (complete == NEVER && outcome != Outcome.UNKNOWN) {
            throw new IllegalArgumentException("an operation that never completed has an unknown outcome: " + op);
        }
    }

    public static Operation ok(int process, Op op, Object result, long invoke, long complete) {
        return new Operation(process, op, Outcome.OK, result, invoke, complete);
    }

    public static Operation fail(int process, Op op, long invoke, long complete) {
        return new Operation(process, op, Outcome.FAIL, null, invoke, complete);
    }

    public static Operation unknown(int process, Op op, long invoke, long complete) {
        return new Operation(process, op, Outcome.UNKNOWN, null, invoke, complete);
    }

    public String key() {
        return op.key();
    }

    /** Like {@code p3 cas k1 v1->v2 : ok true [12..19]}; an absent value shows as {@code absent}. */
    @Override
    public String toString() {
        String shown = switch (outcome) {
            case OK -> op instanceof Op.Write ? "ok" : "ok " + show(result);
            case FAIL -> "fail";
            case UNKNOWN -> "unknown";
        };
        return "p" + process + " " + op + " : " + shown + " [" + invoke + ".." + (complete == NEVER ? "" : complete) + "]";
    }

    static String show(Object value) {
        return value == null ? "absent" : value.toString();
    }

    /** Rejects a result that the kind of operation cannot answer, so that a client's bookkeeping error fails loudly. */
    static void requireResult(Op op, Object result) {
        boolean fits;
        if (op instanceof Op.Read) {
            fits = result == null || result instanceof String;
        } else if (op instanceof Op.Write) {
            fits = result == null;
        } else {
            fits = result instanceof Boolean;
        }
        if (!fits) {
            throw new IllegalArgumentException(op + " cannot answer " + result
                    + " (a read answers a String or null, a write null, a cas a Boolean)");
        }
    }
}
