package dev.repl.it.linearizability;

import java.util.Objects;

/**
 * One thing a client recorded in a {@link History}: an invocation or a completion. Kept as raw events, each with its
 * place in the history's single sequence, because the order in which they were recorded is the only notion of real
 * time the checker trusts (clocks of different threads, let alone machines, need not agree).
 *
 * @param seq     the event's place in the history, from one counter shared by all clients
 * @param id      the operation it belongs to: the sequence number of its invocation
 * @param process the client that recorded it
 * @param type    invocation, or how the operation completed
 * @param op      what was asked
 * @param result  for an OK completion, what the operation answered (see {@link Op}); otherwise null
 */
public record Event(long seq, long id, int process, Type type, Op op, Object result) {

    public enum Type { INVOKE, OK, FAIL, UNKNOWN }

    public Event {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(op, "op");
        if (type == Type.OK) {
            Operation.requireResult(op, result);
        } else if (result != null) {
            throw new IllegalArgumentException("only an OK completion has a result: " + type + " " + result);
        }
    }

    @Override
    public String toString() {
        String outcome = switch (type) {
            case INVOKE -> "invoke";
            case OK -> "ok" + (op instanceof Op.Write ? "" : " " + Operation.show(result));
            case FAIL -> "fail";
            case UNKNOWN -> "unknown";
        };
        return seq + " p" + process + " " + op + " : " + outcome;
    }
}
