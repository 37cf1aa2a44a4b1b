package dev.repl.it.linearizability;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides whether what clients saw could have come from one atomic register per key, each operation taking effect at
 * one instant inside its window, and when it could not, shows the smallest part of the history that proves it. Tests
 * that drive a cluster through faults need a verdict on what clients observed rather than on what nodes logged: a
 * stale read, or an acknowledged write that vanished, shows only as an impossible order of observations.
 *
 * <p>Keys are checked one by one: a history is linearizable exactly when each key's part is (P-compositionality), and
 * small searches are what keep the exponential worst case away. Each key's search is Wing &amp; Gong's with Lowe's
 * just-in-time linearization, as in Knossos and porcupine: calls and returns in a doubly linked list in history order;
 * walking it, a call whose result the register allows from the current state is linearized (lifted out of the list
 * with its return, and pushed on a stack), and reaching a return whose call is still in the list means no order of the
 * choices made can work, so the latest is undone and the next candidate tried. A cache of states already explored (OK
 * operations linearized, register value) cuts the search to the states that differ.
 *
 * <p>FAIL operations and UNKNOWN reads tell nothing and are dropped. An UNKNOWN write or CAS has no return in the list
 * (it returns at infinity) and is optional: the search succeeds once every OK operation is linearized, which leaves
 * out the unknown ones that never took effect. Each pending unknown operation multiplies the states, so three exact
 * reductions keep them in check: a state is pruned if one with the same OK operations and value, and no more unknown
 * ones used, was explored; of unknown operations that are alike, only the earliest pending is tried; and unknown writes
 * of values that nobody looks for are dropped beforehand, but for as many as mismatched CASes could need. The search is
 * bounded by a budget of steps per key, past which the verdict is {@link Verdict#UNKNOWN} rather than a hang.
 *
 * <p>A violation is shrunk before it is reported, to a part of the key's history that has no linearization even if the
 * operations left out took effect at any moment they could have (the Shrinker says how): the smallest failing window
 * ending where the search got stuck, then delta debugging down to a part from which no single operation can be dropped.
 */
public final class LinearizabilityChecker {

    /** Search steps per key before the verdict is unknown: seconds of work at most, with a cache of bounded size. */
    public static final long DEFAULT_BUDGET = 2_000_000;

    /** Shrinking a violation may spend this many times the key's budget in all, then reports what it has. */
    private static final int SHRINK_BUDGETS = 5;

    private static final Comparator<Operation> BY_INVOCATION = Comparator.comparingLong(Operation::invoke);

    private LinearizabilityChecker() {
    }

    public enum Verdict { OK, VIOLATION, UNKNOWN }

    /**
     * The verdict; for a violation also the key and its smallest failing part found ({@code failing}, in history order),
     * for an unknown verdict the first key whose search ran out of budget.
     */
    public record Result(Verdict verdict, String key, List<Operation> failing, String detail) {

        public Result {
            Objects.requireNonNull(verdict, "verdict");
            failing = List.copyOf(failing);
        }

        public boolean isOk() {
            return verdict == Verdict.OK;
        }

        /** The failing part, one operation a line, as {@link Operation#toString()} shows it. */
        public List<String> lines() {
            return failing.stream().map(Operation::toString).toList();
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder(detail);
            for (String line : lines()) {
                out.append("\n  ").append(line);
            }
            return out.toString();
        }
    }

    public static Result check(History history) {
        return check(history.operations());
    }

    public static Result check(List<Operation> operations) {
        return check(operations, DEFAULT_BUDGET);
    }

    /** @param budgetPerKey search steps allowed for each key (and, times a few, for shrinking a violation) */
    public static Result check(List<Operation> operations, long budgetPerKey) {
        if (budgetPerKey <= 0) {
            throw new IllegalArgumentException("budget must be positive: " + budgetPerKey);
        }
        // Sorted keys, so that of several violations the same one is reported every time.
        Map<String, List<Operation>> byKey = new TreeMap<>();
        int checked = 0;
        for (Operation operation : operations) {
            if (informative(operation)) {
                byKey.computeIfAbsent(operation.key(), k -> new ArrayList<>()).add(operation);
                checked++;
            }
        }
        List<String> exhausted = new ArrayList<>();
        for (Map.Entry<String, List<Operation>> entry : byKey.entrySet()) {
            List<Operation> all = entry.getValue();
            all.sort(BY_INVOCATION);
            List<Operation> history = withoutIdleWrites(all);
            Search.Run run = Search.run(history, List.of(), budgetPerKey);
            if (run.outcome() == Search.Outcome.VIOLATION) {
                return violation(entry.getKey(), history, run.stuck(), all.size(), budgetPerKey);
            }
            if (run.outcome() == Search.Outcome.EXHAUSTED) {
                exhausted.add(entry.getKey());
            }
        }
        if (!exhausted.isEmpty()) {
            return new Result(Verdict.UNKNOWN, exhausted.get(0), List.of(), "unknown (search budget exhausted): " + budgetPerKey
                    + " steps were not enough to decide key" + (exhausted.size() == 1 ? " " : "s ") + String.join(", ", exhausted));
        }
        return new Result(Verdict.OK, null, List.of(), "linearizable: " + checked + " operations on " + byKey.size() + " keys");
    }

    /** FAIL operations took no effect, and an UNKNOWN read neither took effect nor saw anything we know of. */
    private static boolean informative(Operation operation) {
        return switch (operation.outcome()) {
            case OK -> true;
            case FAIL -> false;
            case UNKNOWN -> !(operation.op() instanceof Op.Read);
        };
    }

    /**
     * The key's history without the unknown writes that cannot matter: those of a value that no read sees and no CAS
     * expects. Such a write can only leave a value nobody looks for, which helps only a CAS that found a mismatch where
     * the value it expected might have been (absent, or written by someone), and the earliest of them can stand in for
     * any others; so as many are kept as there are such mismatches. Exact, and worth it when values are unique and
     * timeouts many, since each pending write multiplies the states to search.
     *
     * @param history in invocation order
     */
    private static List<Operation> withoutIdleWrites(List<Operation> history) {
        Set<String> lookedFor = new HashSet<>();
        Set<String> written = new HashSet<>();
        for (Operation operation : history) {
            if (operation.op() instanceof Op.Read && operation.outcome() == Operation.Outcome.OK) {
                lookedFor.add((String) operation.result());
            } else if (operation.op() instanceof Op.Cas cas) {
                lookedFor.add(cas.expected());
                written.add(cas.value());
            } else if (operation.op() instanceof Op.Write write) {
                written.add(write.value());
            }
        }
        int mismatches = 0;
        for (Operation operation : history) {
            if (operation.op() instanceof Op.Cas cas && Boolean.FALSE.equals(operation.result())
                    && (cas.expected() == null || written.contains(cas.expected()))) {
                mismatches++;
            }
        }
        List<Operation> kept = new ArrayList<>(history.size());
        for (Operation operation : history) {
            boolean idle = operation.outcome() == Operation.Outcome.UNKNOWN && operation.op() instanceof Op.Write write
                    && !lookedFor.contains(write.value());
            if (idle) {
                if (mismatches == 0) {
                    continue;
                }
                mismatches--;
            }
            kept.add(operation);
        }
        return kept;
    }

    private static Result violation(String key, List<Operation> history, int stuck, int operations, long budget) {
        Shrinker shrinker = new Shrinker(history, budget);
        List<Operation> failing = new ArrayList<>(shrinker.shrink(stuck));
        failing.sort(BY_INVOCATION);
        String detail = "not linearizable: key " + key + ", " + failing.size() + " of its " + operations
                + " operations that no order explains"
                + (shrinker.complete
                        ? " (minimal: none of them can be left out while every value read keeps a writer)"
                        : " (shrinking stopped at its budget, so some may be superfluous)");
        return new Result(Verdict.VIOLATION, key, failing, detail);
    }

    /** The search for one key's history; see the class comment. */
    private static final class Search {

        enum Outcome { LINEARIZABLE, VIOLATION, EXHAUSTED }

        /** @param stuck for a violation, the operation whose return stopped the search latest in the history */
        record Run(Outcome outcome, long steps, int stuck) {
        }

        /** What {@link #apply} answers when the operation's recorded result is impossible (null is a value: absent). */
        private static final Object IMPOSSIBLE = new Object();

        /** The slot of a havoc: never marked as used, never lifted out of the list. */
        private static final int REUSABLE = -2;

        /** A call or a return in the list; a call's match is its return, null for an unknown operation's. */
        private static final class Node {
            final int op;
            final boolean call;
            final long time;
            Node match;
            Node prev;
            Node next;

            Node(int op, boolean call, long time) {
                this.op = op;
                this.call = call;
                this.time = time;
            }
        }

        /** A linearized call, and the register's value and the latest invocation linearized before it, to undo it. */
        private record Frame(Node call, String before, long latestBefore) {
        }

        /** Which OK operations are linearized, and the register's value: the part of a state compared exactly. */
        private record Explored(BitSet done, String value) {
        }

        private Search() {
        }

        /**
         * @param history one key's operations in invocation order, all OK, or UNKNOWN writes and CASes
         * @param havocs  writes that may take effect any number of times inside their window, or never (a loosening
         *                that only shrinking uses)
         */
        static Run run(List<Operation> history, List<Operation> havocs, long budget) {
            List<Operation> all = new ArrayList<>(history);
            all.addAll(havocs);
            int n = all.size();
            // Optional (unknown) operations get their own bits: states that differ only in them are compared by inclusion.
            int[] slot = new int[n];
            int[] twin = new int[n];
            int optionals = 0;
            int required = 0;
            Map<Op, Integer> lastAlike = new HashMap<>();
            for (int i = 0; i < n; i++) {
                Operation operation = all.get(i);
                if (i >= history.size()) {
                    slot[i] = REUSABLE;
                    twin[i] = -1;
                } else if (operation.outcome() == Operation.Outcome.OK) {
                    slot[i] = -1;
                    twin[i] = -1;
                    required++;
                } else {
                    slot[i] = optionals++;
                    Integer previous = lastAlike.put(operation.op(), i);
                    twin[i] = previous == null ? -1 : previous;
                }
            }
            Node head = list(all);
            BitSet done = new BitSet(n);
            long[] applied = new long[(optionals + 63) >>> 6];
            Map<Explored, List<long[]>> explored = new HashMap<>();
            Deque<Frame> stack = new ArrayDeque<>();
            String value = null;
            // Everything linearized so far took effect no earlier than this, so a havoc that completed by then cannot follow.
            long latest = Long.MIN_VALUE;
            long steps = 0;
            Node entry = head.next;
            Node stuck = head;
            while (required > 0) {
                if (++steps > budget) {
                    return new Run(Outcome.EXHAUSTED, budget, -1);
                }
                if (entry != null && entry.call) {
                    int op = entry.op;
                    // Of pending optional operations that would do the same, only the earliest is tried: any other
                    // could stand in for it later, so trying them all would repeat the same search.
                    boolean redundant = twin[op] >= 0 && !isSet(applied, slot[twin[op]]);
                    boolean expired = slot[op] == REUSABLE && all.get(op).complete() <= latest;
                    Object after = redundant || expired ? IMPOSSIBLE : apply(all.get(op), value);
                    if (after != IMPOSSIBLE) {
                        mark(op, slot, done, applied, true);
                        if (unexplored(explored, done, applied, (String) after)) {
                            stack.push(new Frame(entry, value, latest));
                            value = (String) after;
                            required -= slot[op] == -1 ? 1 : 0;
                            if (slot[op] != REUSABLE) {
                                latest = Math.max(latest, all.get(op).invoke());
                                lift(entry);
                            }
                            entry = head.next;
                            continue;
                        }
                        mark(op, slot, done, applied, false);
                    }
                    entry = entry.next;
                } else {
                    // An operation returned (or the candidates ran out) before any order of the choices so far could
                    // place it: undo the latest choice and try the call after it instead.
                    if (entry != null && entry.time > stuck.time) {
                        stuck = entry;
                    }
                    if (stack.isEmpty()) {
                        return new Run(Outcome.VIOLATION, steps, stuck.op);
                    }
                    Frame top = stack.pop();
                    entry = top.call();
                    value = top.before();
                    latest = top.latestBefore();
                    mark(entry.op, slot, done, applied, false);
                    required += slot[entry.op] == -1 ? 1 : 0;
                    if (slot[entry.op] != REUSABLE) {
                        unlift(entry);
                    }
                    entry = entry.next;
                }
            }
            return new Run(Outcome.LINEARIZABLE, steps, -1);
        }

        private static void mark(int op, int[] slot, BitSet done, long[] applied, boolean linearized) {
            if (slot[op] == REUSABLE) {
                return;
            }
            if (slot[op] < 0) {
                done.set(op, linearized);
            } else if (linearized) {
                applied[slot[op] >>> 6] |= 1L << slot[op];
            } else {
                applied[slot[op] >>> 6] &= ~(1L << slot[op]);
            }
        }

        private static boolean isSet(long[] bits, int index) {
            return (bits[index >>> 6] & (1L << index)) != 0;
        }

        /**
         * Records the state unless one like it was explored (or is being explored, below on the stack) with no more
         * optional operations used up: it can do all this one can, so this one cannot succeed where it failed.
         */
        private static boolean unexplored(Map<Explored, List<long[]>> explored, BitSet done, long[] applied, String value) {
            // Looked up with the live set; only a copy is ever stored.
            List<long[]> seen = explored.get(new Explored(done, value));
            if (seen == null) {
                seen = new ArrayList<>(1);
                explored.put(new Explored((BitSet) done.clone(), value), seen);
            } else {
                for (long[] other : seen) {
                    if (includes(applied, other)) {
                        return false;
                    }
                }
            }
            seen.add(applied.clone());
            return true;
        }

        /** Whether every bit of {@code part} is set in {@code whole}. */
        private static boolean includes(long[] whole, long[] part) {
            for (int i = 0; i < whole.length; i++) {
                if ((part[i] & ~whole[i]) != 0) {
                    return false;
                }
            }
            return true;
        }

        /** The calls and returns in history order behind a sentinel head; at equal times calls first, as overlapping. */
        private static Node list(List<Operation> history) {
            List<Node> nodes = new ArrayList<>(2 * history.size());
            for (int i = 0; i < history.size(); i++) {
                Operation operation = history.get(i);
                Node call = new Node(i, true, operation.invoke());
                nodes.add(call);
                if (operation.outcome() == Operation.Outcome.OK) {
                    call.match = new Node(i, false, operation.complete());
                    nodes.add(call.match);
                }
            }
            nodes.sort(Comparator.<Node>comparingLong(n -> n.time).thenComparing(n -> !n.call));
            Node head = new Node(-1, false, Long.MIN_VALUE);
            Node last = head;
            for (Node node : nodes) {
                last.next = node;
                node.prev = last;
                last = node;
            }
            return head;
        }

        /** The register's value after {@code operation} from {@code value}, or {@link #IMPOSSIBLE}. */
        private static Object apply(Operation operation, String value) {
            Op op = operation.op();
            if (op instanceof Op.Write write) {
                return write.value();
            }
            if (op instanceof Op.Read) {
                return Objects.equals(operation.result(), value) ? value : IMPOSSIBLE;
            }
            Op.Cas cas = (Op.Cas) op;
            boolean swaps = Objects.equals(value, cas.expected());
            String after = swaps ? cas.value() : value;
            // An unknown CAS that took effect swapped; one that would not swap is the same as one that never took effect,
            // which the search already allows, so trying it would only cost steps.
            if (operation.outcome() != Operation.Outcome.OK) {
                return swaps ? after : IMPOSSIBLE;
            }
            return operation.result().equals(swaps) ? after : IMPOSSIBLE;
        }

        /** Takes a call and its return out of the list, leaving their own links for {@link #unlift} (dancing links). */
        private static void lift(Node call) {
            unlink(call);
            if (call.match != null) {
                unlink(call.match);
            }
        }

        private static void unlink(Node node) {
            node.prev.next = node.next;
            if (node.next != null) {
                node.next.prev = node.prev;
            }
        }

        /** Undoes the latest {@link #lift}: in reverse order, as the stack guarantees. */
        private static void unlift(Node call) {
            if (call.match != null) {
                relink(call.match);
            }
            relink(call);
        }

        private static void relink(Node node) {
            node.prev.next = node;
            if (node.next != null) {
                node.next.prev = node;
            }
        }
    }

    /**
     * Greedy delta debugging of one key's failing history, within a budget of search steps.
     *
     * <p>Dropping operations can create a violation that the history did not have: without the write that a read saw,
     * the read looks like one of a value never written, or stale. So a part counts as failing only if it still fails
     * with the dropped writes loosened into havocs: writes of their values that may take effect any number of times
     * within their windows (for an unknown one, any time after its invocation), or never. That only loosens the history,
     * so the violation is then the history's own. Havocs are cheap to search (they add no state), and only those that
     * could matter are added: those of values the part looks for, and if the part has mismatched CASes (which any other
     * value helps), the others as havocs of one value nobody looks for. A part must also keep, for each value it
     * observes, a writer that could have come first, so that the report shows where each value came from.
     */
    private static final class Shrinker {

        private final List<Operation> history;
        /** The operations that observed a value some other operation of the history may have written before. */
        private final Set<Operation> explainable;
        /** A value no operation writes, reads or expects: what the havoc of an unobserved value writes. */
        private final String unobserved;
        private final long perCheck;
        private long left;
        /** False once a check was cut short, so that the result may not be 1-minimal. */
        private boolean complete = true;

        Shrinker(List<Operation> history, long budget) {
            this.history = history;
            this.explainable = identitySet(history.stream().filter(o -> observed(o) != null && hasSource(o, history)).toList());
            Set<Object> mentioned = new HashSet<>();
            for (Operation operation : history) {
                mentioned.add(writes(operation));
                mentioned.add(operation.result());
                mentioned.add(operation.op() instanceof Op.Cas cas ? cas.expected() : null);
            }
            String name = "<unobserved>";
            while (mentioned.contains(name)) {
                name += "'";
            }
            this.unobserved = name;
            this.perCheck = budget;
            this.left = SHRINK_BUDGETS * budget;
        }

        /**
         * First the smallest window of the history that ends where the search got stuck and still fails, trying the
         * latest 1, 2, 4, ... operations invoked up to there: small candidates are cheap to decide, and a violation is
         * usually local. Then runs of halving length dropped from it, down to single operations (ddmin).
         *
         * @param stuck the operation at whose return the search of the whole history got stuck latest: no order exists
         *              of the operations invoked before that return
         */
        List<Operation> shrink(int stuck) {
            int last = stuck >= 0 ? stuck : history.size() - 1;
            long until = history.get(last).complete();
            int end = last;
            while (end + 1 < history.size() && history.get(end + 1).invoke() < until) {
                end++;
            }
            for (int size = 1; size < 2 * (end + 1); size *= 2) {
                List<Operation> window = history.subList(Math.max(0, last + 1 - size), end + 1);
                if (fails(window)) {
                    return drop(new ArrayList<>(window));
                }
            }
            // The whole prefix has no linearization, by the search's own reasoning, though it may have run out of budget
            // here, or miss the writer of a value that an operation overlapping the last return saw.
            return drop(new ArrayList<>(history.subList(0, end + 1)));
        }

        /**
         * Drops runs of operations in history order, halving the run length down to one; at one, passes until one drops
         * nothing, since a drop can make an earlier one possible.
         */
        private List<Operation> drop(List<Operation> history) {
            List<Operation> current = history;
            for (int size = Math.max(1, Integer.highestOneBit(current.size() / 2)); size >= 1; size /= 2) {
                boolean dropped;
                do {
                    dropped = false;
                    List<Operation> pool = current;
                    for (int i = 0; i < pool.size(); i += size) {
                        Set<Operation> run = identitySet(pool.subList(i, Math.min(i + size, pool.size())));
                        List<Operation> candidate = current.stream().filter(o -> !run.contains(o)).toList();
                        if (fails(candidate)) {
                            current = candidate;
                            dropped = true;
                        }
                    }
                } while (dropped && size == 1);
            }
            return current;
        }

        /** Whether a part still fails on its own, with havocs for the writes dropped, and shows where its values came from. */
        private boolean fails(List<Operation> part) {
            if (part.isEmpty() || !sourced(part)) {
                return false;
            }
            if (left <= 0) {
                complete = false;
                return false;
            }
            Search.Run run = Search.run(part, havocs(part), Math.min(perCheck, left));
            left -= run.steps();
            if (run.outcome() == Search.Outcome.EXHAUSTED) {
                complete = false;
            }
            return run.outcome() == Search.Outcome.VIOLATION;
        }

        /** The havocs standing in for the writes dropped from the history; see the class comment. */
        private List<Operation> havocs(List<Operation> part) {
            long horizon = Long.MIN_VALUE;
            boolean mismatches = false;
            // The values some operation of the part looks for: what it read, what a swap (that took effect or may
            // have) expected. Writes of any other value can only make a mismatch possible.
            Set<Object> observed = new HashSet<>();
            for (Operation operation : part) {
                if (operation.outcome() == Operation.Outcome.OK) {
                    horizon = Math.max(horizon, operation.complete());
                }
                if (operation.op() instanceof Op.Read) {
                    observed.add(operation.result());
                } else if (operation.op() instanceof Op.Cas cas) {
                    if (Boolean.FALSE.equals(operation.result())) {
                        mismatches = true;
                    } else {
                        observed.add(cas.expected());
                    }
                }
            }
            Set<Operation> kept = identitySet(part);
            List<Operation> havocs = new ArrayList<>();
            for (Operation operation : history) {
                String value = writes(operation);
                // One invoked after the part's last return could take effect after all of it, where it cannot help.
                if (value == null || kept.contains(operation) || operation.invoke() >= horizon) {
                    continue;
                }
                String as = observed.contains(value) ? value : mismatches ? unobserved : null;
                if (as != null) {
                    // An unknown operation may take effect at any time after its invocation, an OK one only in its window.
                    long until = operation.outcome() == Operation.Outcome.OK ? operation.complete() : Operation.NEVER;
                    havocs.add(Operation.unknown(operation.process(), Op.write(operation.key(), as), operation.invoke(), until));
                }
            }
            return havocs;
        }

        /**
         * Whether each observation in the part (a read's value, a swap's expected one) that some writer in the history
         * could explain still has one in the part.
         */
        private boolean sourced(List<Operation> part) {
            for (Operation observer : part) {
                if (explainable.contains(observer) && !hasSource(observer, part)) {
                    return false;
                }
            }
            return true;
        }

        /** Whether some other operation of {@code among} may have written the value {@code observer} saw, before it returned. */
        private static boolean hasSource(Operation observer, List<Operation> among) {
            String seen = observed(observer);
            for (Operation writer : among) {
                if (writer != observer && seen.equals(writes(writer)) && writer.invoke() < observer.complete()) {
                    return true;
                }
            }
            return false;
        }

        /** The value an OK read or successful swap saw, or null if none (absent needs no writer). */
        private static String observed(Operation operation) {
            if (operation.outcome() != Operation.Outcome.OK) {
                return null;
            }
            if (operation.op() instanceof Op.Read) {
                return (String) operation.result();
            }
            return operation.op() instanceof Op.Cas cas && Boolean.TRUE.equals(operation.result()) ? cas.expected() : null;
        }

        /** The value the operation writes if it takes effect, or null if it writes none. */
        private static String writes(Operation operation) {
            if (operation.op() instanceof Op.Write write) {
                return write.value();
            }
            if (operation.op() instanceof Op.Cas cas && !Boolean.FALSE.equals(operation.result())) {
                return cas.value();
            }
            return null;
        }

        private static Set<Operation> identitySet(List<Operation> operations) {
            Set<Operation> set = Collections.newSetFromMap(new IdentityHashMap<>());
            set.addAll(operations);
            return set;
        }
    }
}
