package dev.repl.it.linearizability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What concurrent clients saw, recorded as they see it, for {@link LinearizabilityChecker}. Each call takes the next
 * number of one counter under one lock, so the numbers order the events as they really happened: an invocation
 * recorded before the request is sent and a completion recorded after its answer arrives bracket the instant the
 * store acted. Wall clocks are not used; they can step, and only this order matters.
 *
 * <p>A client records {@link #invoke} before sending a request, then exactly one of {@link #ok}, {@link #fail} (the
 * request certainly had no effect, e.g. refused before it was proposed) or {@link #unknown} (a timeout or a lost
 * connection: it may or may not take effect, even later). A process is only a label for the report.
 */
public final class History {

    private final Object lock = new Object();
    private final List<Event> events = new ArrayList<>();
    private final Map<Long, Event> inFlight = new HashMap<>();
    private long next;

    /** Records the start of {@code op} by {@code process}; returns its id, the invocation's sequence number. */
    public long invoke(int process, Op op) {
        Objects.requireNonNull(op, "op");
        synchronized (lock) {
            long seq = next++;
            Event event = new Event(seq, seq, process, Event.Type.INVOKE, op, null);
            events.add(event);
            inFlight.put(seq, event);
            return seq;
        }
    }

    /** The operation answered: a read its value (a String, or null for absent), a write null, a cas a Boolean. */
    public void ok(long id, Object result) {
        complete(id, Event.Type.OK, result);
    }

    /** The operation certainly took no effect. */
    public void fail(long id) {
        complete(id, Event.Type.FAIL, null);
    }

    /** The client cannot tell whether the operation took effect, or will. */
    public void unknown(long id) {
        complete(id, Event.Type.UNKNOWN, null);
    }

    private void complete(long id, Event.Type type, Object result) {
        synchronized (lock) {
            Event invocation = inFlight.get(id);
            if (invocation == null) {
                throw new IllegalStateException("operation " + id + " is not in flight (never invoked, or already completed)");
            }
            // Built before anything changes, so a result of the wrong type leaves the operation in flight.
            Event event = new Event(next, id, invocation.process(), type, invocation.op(), result);
            next++;
            inFlight.remove(id);
            events.add(event);
        }
    }

    /** A copy of the events so far, in the order recorded. */
    public List<Event> events() {
        synchronized (lock) {
            return List.copyOf(events);
        }
    }

    /**
     * The events paired into operations, in order of invocation. An operation still in flight counts as UNKNOWN with
     * completion {@link Operation#NEVER}: its client may have died with the request sent.
     */
    public List<Operation> operations() {
        List<Event> snapshot = events();
        Map<Long, Event> invocations = new LinkedHashMap<>();
        Map<Long, Event> completions = new HashMap<>();
        for (Event event : snapshot) {
            (event.type() == Event.Type.INVOKE ? invocations : completions).put(event.id(), event);
        }
        List<Operation> operations = new ArrayList<>(invocations.size());
        for (Event invocation : invocations.values()) {
            Event completion = completions.get(invocation.id());
            if (completion == null) {
                operations.add(Operation.unknown(invocation.process(), invocation.op(), invocation.seq(), Operation.NEVER));
                continue;
            }
            Operation.Outcome outcome = switch (completion.type()) {
                case OK -> Operation.Outcome.OK;
                case FAIL -> Operation.Outcome.FAIL;
                case UNKNOWN -> Operation.Outcome.UNKNOWN;
                case INVOKE -> throw new AssertionError("an invocation among completions");
            };
            operations.add(new Operation(invocation.process(), invocation.op(), outcome, completion.result(),
                    invocation.seq(), completion.seq()));
        }
        return operations;
    }

    /** One operation a line, in order of invocation. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (Operation operation : operations()) {
            out.append(operation).append('\n');
        }
        return out.toString();
    }
}
