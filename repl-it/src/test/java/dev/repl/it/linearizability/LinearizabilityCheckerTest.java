package dev.repl.it.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.it.linearizability.LinearizabilityChecker.Result;
import dev.repl.it.linearizability.LinearizabilityChecker.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Histories with a known verdict, small ones written out by hand and large ones from a simulated real register. */
class LinearizabilityCheckerTest {

    private final History history = new History();

    /** An operation that overlaps nothing: invoked and completed at once. */
    private long done(int process, Op op, Object result) {
        long id = history.invoke(process, op);
        history.ok(id, result);
        return id;
    }

    private static void assertOk(Result result) {
        assertEquals(Verdict.OK, result.verdict(), result::toString);
    }

    /** Asserts a violation on {@code key} whose failing part is exactly the operations invoked as {@code ids}. */
    private static void assertViolation(Result result, String key, Long... ids) {
        assertEquals(Verdict.VIOLATION, result.verdict(), result::toString);
        assertEquals(key, result.key(), result::toString);
        assertEquals(List.of(ids), result.failing().stream().map(Operation::invoke).toList(), result::toString);
        assertEquals(ids.length, result.lines().size(), result::toString);
    }

    @Test
    void sequentialReadsOfAnAbsentKey() {
        done(1, Op.read("k"), null);
        done(2, Op.read("k"), null);
        assertOk(LinearizabilityChecker.check(history));
    }

    @Test
    void sequentialWritesEachReadBack() {
        done(1, Op.write("k", "v1"), null);
        done(2, Op.read("k"), "v1");
        done(2, Op.write("k", "v2"), null);
        done(1, Op.read("k"), "v2");
        done(3, Op.write("k", "v1"), null);
        done(1, Op.read("k"), "v1");
        assertOk(LinearizabilityChecker.check(history));
    }

    @Test
    void sequentialCompareAndSetsSwapOnlyWhatTheyExpect() {
        done(1, Op.cas("k", null, "a"), true);
        done(2, Op.cas("k", null, "b"), false);
        done(1, Op.cas("k", "a", "b"), true);
        done(2, Op.cas("k", "a", "c"), false);
        done(3, Op.read("k"), "b");
        assertOk(LinearizabilityChecker.check(history));
    }

    @Test
    void overlappingWritesAndReadsAreLinearizableInSomeOrder() {
        long wa = history.invoke(1, Op.write("k", "a"));
        long wb = history.invoke(2, Op.write("k", "b"));
        long r1 = history.invoke(3, Op.read("k"));
        history.ok(r1, "b");
        long r2 = history.invoke(4, Op.read("k"));
        history.ok(wb, null);
        history.ok(wa, null);
        // b, then a, read while both writes were in flight, in the opposite order to their invocations.
        history.ok(r2, "a");
        done(3, Op.read("k"), "a");
        assertOk(LinearizabilityChecker.check(history));
    }

    @Test
    void aReadOverlappingAWriteMaySeeEitherValue() {
        done(1, Op.write("k", "old"), null);
        long w = history.invoke(1, Op.write("k", "new"));
        done(2, Op.read("k"), "new");
        done(3, Op.read("k"), "new");
        history.ok(w, null);
        done(2, Op.read("k"), "new");
        assertOk(LinearizabilityChecker.check(history));
    }

    @Test
    void staleReadIsAViolation() {
        long w1 = done(1, Op.write("k", "v1"), null);
        long w2 = done(2, Op.write("k", "v2"), null);
        long r = done(3, Op.read("k"), "v1");
        Result result = LinearizabilityChecker.check(history);
        assertViolation(result, "k", w1, w2, r);
        assertEquals(List.of("p1 write k v1 : ok [0..1]", "p2 write k v2 : ok [2..3]", "p3 read k : ok v1 [4..5]"), result.lines());
    }

    @Test
    void lostAcknowledgedWriteIsAViolation() {
        done(2, Op.read("k"), null);
        long w = done(1, Op.write("k", "v1"), null);
        long r = done(2, Op.read("k"), null);
        assertViolation(LinearizabilityChecker.check(history), "k", w, r);
    }

    @Test
    void readOfAValueNeverWrittenIsAViolation() {
        done(1, Op.write("k", "v1"), null);
        long r = done(2, Op.read("k"), "v9");
        done(1, Op.read("k"), "v1");
        assertViolation(LinearizabilityChecker.check(history), "k", r);
    }

    @Test
    void twoConcurrentCompareAndSetsFromAbsentCannotBothSucceed() {
        long a = history.invoke(1, Op.cas("k", null, "a"));
        long b = history.invoke(2, Op.cas("k", null, "b"));
        history.ok(b, true);
        history.ok(a, true);
        assertViolation(LinearizabilityChecker.check(history), "k", a, b);
    }

    @Test
    void twoConcurrentCompareAndSetsFromAbsentOneWins() {
        long a = history.invoke(1, Op.cas("k", null, "a"));
        long b = history.invoke(2, Op.cas("k", null, "b"));
        history.ok(a, false);
        history.ok(b, true);
        done(3, Op.read("k"), "b");
        assertOk(LinearizabilityChecker.check(history));
    }

    @Test
    void mismatchThatSawTheExpectedValueIsAViolation() {
        long w = done(1, Op.write("k", "a"), null);
        long cas = done(2, Op.cas("k", "a", "b"), false);
        assertViolation(LinearizabilityChecker.check(history), "k", w, cas);
    }

    @Test
    void unknownWriteThatLaterReadsObserveIsOk() {
        long w = history.invoke(1, Op.write("k", "v1"));
        history.unknown(w);
        done(2, Op.read("k"), null);
        done(2, Op.read("k"), "v1");
        done(3, Op.read("k"), "v1");
        assertOk(LinearizabilityChecker.check(history));
    }

    @Test
    void unknownWriteThatNoReadObservesIsOk() {
        done(1, Op.write("k", "v0"), null);
        long w = history.invoke(1, Op.write("k", "v1"));
        history.unknown(w);
        done(2, Op.read("k"), "v0");
        done(3, Op.read("k"), "v0");
        assertOk(LinearizabilityChecker.check(history));
    }

    @Test
    void writeThatNeverCompletedMayStillLand() {
        history.invoke(1, Op.write("k", "v1"));
        done(2, Op.read("k"), null);
        done(2, Op.read("k"), "v1");
        assertOk(LinearizabilityChecker.check(history));
    }

    @Test
    void failedWriteMustNotBeObserved() {
        long w = history.invoke(1, Op.write("k", "v1"));
        history.fail(w);
        long r = done(2, Op.read("k"), "v1");
        assertViolation(LinearizabilityChecker.check(history), "k", r);
    }

    @Test
    void unknownWriteWhoseValueAppearsDisappearsAndReappearsIsAViolation() {
        long w = history.invoke(1, Op.write("k", "v1"));
        history.unknown(w);
        long appears = done(2, Op.read("k"), "v1");
        long disappears = done(3, Op.read("k"), null);
        done(2, Op.read("k"), "v1");
        // Once written, the value cannot go back to absent: the reappearance is not needed to show it.
        assertViolation(LinearizabilityChecker.check(history), "k", w, appears, disappears);
    }

    @Test
    void violationIsReportedForItsKeyOnly() {
        done(1, Op.write("k1", "a"), null);
        long w1 = done(2, Op.write("k2", "v1"), null);
        done(1, Op.read("k1"), "a");
        long w2 = done(3, Op.write("k2", "v2"), null);
        done(3, Op.cas("k1", "a", "b"), true);
        long r = done(1, Op.read("k2"), "v1");
        done(2, Op.read("k1"), "b");
        Result result = LinearizabilityChecker.check(history);
        assertViolation(result, "k2", w1, w2, r);
        assertTrue(result.failing().stream().allMatch(o -> o.key().equals("k2")), result::toString);
    }

    @Test
    void largeRandomLinearizableHistoryIsOk() {
        List<Operation> operations = new Simulation(new Random(20240611L), history, 5, 10).run(4000);
        assertTrue(operations.stream().anyMatch(o -> o.outcome() == Operation.Outcome.UNKNOWN), "the history has unknowns");
        assertOk(LinearizabilityChecker.check(operations));
    }

    @Test
    void largeRandomHistoryWithOneCorruptedReadIsAViolation() {
        List<Operation> operations = new ArrayList<>(new Simulation(new Random(20240612L), history, 5, 10).run(4000));
        int victim = randomRead(operations, new Random(7));
        Operation read = operations.get(victim);
        // A value nobody wrote: a violation whatever the rest of the history, and one the read shows on its own.
        operations.set(victim, Operation.ok(read.process(), read.op(), "corrupt", read.invoke(), read.complete()));
        assertViolation(LinearizabilityChecker.check(operations), read.key(), read.invoke());
    }

    @Test
    void searchOutOfBudgetIsUnknownNotAVerdict() {
        List<Operation> operations = new Simulation(new Random(20240613L), history, 5, 10).run(2000);
        Result result = LinearizabilityChecker.check(operations, 10);
        assertEquals(Verdict.UNKNOWN, result.verdict(), result::toString);
        assertTrue(result.failing().isEmpty(), result::toString);
    }

    @Test
    void staleReadEmbeddedInALargerHistoryShrinksToItsThreeOperations() {
        Simulation simulation = new Simulation(new Random(20240614L), history, 5, 10);
        simulation.steps(3000);
        done(7, Op.write("s", "v0"), null);
        simulation.steps(200);
        done(8, Op.read("s"), "v0");
        simulation.steps(200);
        long w1 = done(7, Op.write("s", "v1"), null);
        simulation.steps(200);
        long w2 = done(8, Op.write("s", "v2"), null);
        simulation.steps(200);
        long pending = history.invoke(9, Op.read("s"));
        long stale = done(7, Op.read("s"), "v1");
        history.ok(pending, "v2");
        simulation.steps(200);
        done(8, Op.read("s"), "v2");
        simulation.run(3000);
        assertViolation(LinearizabilityChecker.check(history), "s", w1, w2, stale);
    }

    /** The index of an OK read picked at random. */
    private static int randomRead(List<Operation> operations, Random random) {
        while (true) {
            int i = random.nextInt(operations.size());
            Operation operation = operations.get(i);
            if (operation.op() instanceof Op.Read && operation.outcome() == Operation.Outcome.OK) {
                return i;
            }
        }
    }

    /**
     * Clients of a real register per key, recorded into a history: each operation acts on the register at a random
     * moment between its invocation and completion, so the history is linearizable by construction, with windows
     * overlapping at random. Some operations fail without effect; some time out, before or after taking effect, and
     * some of those that timed out before land later, as a slow write may.
     */
    private static final class Simulation {

        private final Random random;
        private final History history;
        private final int keys;
        private final Client[] clients;
        private final Map<String, String> registers = new HashMap<>();
        private final List<Op> late = new ArrayList<>();
        private int started;

        /** At most one operation in flight per client, as for a process in a real test. */
        private static final class Client {
            long id = -1;
            Op op;
            boolean applied;
            Object result;
        }

        Simulation(Random random, History history, int processes, int keys) {
            this.random = random;
            this.history = history;
            this.keys = keys;
            this.clients = new Client[processes];
            for (int i = 0; i < processes; i++) {
                clients[i] = new Client();
            }
        }

        /** Until {@code operations} have been started in all, and all have completed. */
        List<Operation> run(int operations) {
            while (started < operations || inFlight()) {
                step(started < operations);
            }
            return history.operations();
        }

        void steps(int count) {
            for (int i = 0; i < count; i++) {
                step(true);
            }
        }

        private boolean inFlight() {
            for (Client client : clients) {
                if (client.id >= 0) {
                    return true;
                }
            }
            return false;
        }

        private void step(boolean mayStart) {
            if (!late.isEmpty() && random.nextInt(50) == 0) {
                apply(late.remove(random.nextInt(late.size())));
            }
            int process = random.nextInt(clients.length);
            Client client = clients[process];
            if (client.id < 0) {
                if (mayStart) {
                    client.op = randomOp();
                    client.applied = false;
                    client.id = history.invoke(process, client.op);
                    started++;
                }
                return;
            }
            int roll = random.nextInt(100);
            if (!client.applied) {
                if (roll < 2) {
                    history.fail(client.id);
                    client.id = -1;
                } else if (roll < 4 && !(client.op instanceof Op.Read)) {
                    history.unknown(client.id);
                    if (random.nextBoolean()) {
                        late.add(client.op);
                    }
                    client.id = -1;
                } else {
                    client.result = apply(client.op);
                    client.applied = true;
                }
            } else {
                if (roll < 3) {
                    history.unknown(client.id);
                } else {
                    history.ok(client.id, client.result);
                }
                client.id = -1;
            }
        }

        private Op randomOp() {
            String key = "k" + random.nextInt(keys);
            int kind = random.nextInt(100);
            if (kind < 40) {
                return Op.read(key);
            }
            String value = "v" + random.nextInt(5);
            if (kind < 75) {
                return Op.write(key, value);
            }
            // Half expect what is there now, so that some swaps succeed.
            String expected = random.nextBoolean() ? registers.get(key) : random.nextInt(6) == 0 ? null : "v" + random.nextInt(5);
            return Op.cas(key, expected, value);
        }

        private Object apply(Op op) {
            String current = registers.get(op.key());
            if (op instanceof Op.Read) {
                return current;
            }
            if (op instanceof Op.Write write) {
                registers.put(op.key(), write.value());
                return null;
            }
            Op.Cas cas = (Op.Cas) op;
            if (!Objects.equals(current, cas.expected())) {
                return false;
            }
            registers.put(op.key(), cas.value());
            return true;
        }
    }
}
