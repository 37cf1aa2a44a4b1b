package dev.repl.it.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The recorder: what it numbers, what it refuses, how it prints, and that concurrent clients can share it. */
class HistoryTest {

    private final History history = new History();

    @Test
    void operationsPrintWithProcessArgumentsOutcomeAndSequenceNumbers() {
        long cas = history.invoke(3, Op.cas("k1", "v1", "v2"));
        long read = history.invoke(1, Op.read("k1"));
        history.ok(cas, true);
        history.ok(read, null);
        long write = history.invoke(2, Op.write("k1", "v3"));
        history.unknown(write);
        long refused = history.invoke(2, Op.cas("k1", null, "v4"));
        history.fail(refused);
        history.invoke(4, Op.write("k2", "v5"));
        assertEquals(List.of(
                "p3 cas k1 v1->v2 : ok true [0..2]",
                "p1 read k1 : ok absent [1..3]",
                "p2 write k1 v3 : unknown [4..5]",
                "p2 cas k1 absent->v4 : fail [6..7]",
                "p4 write k2 v5 : unknown [8..]"), history.operations().stream().map(Operation::toString).toList());
    }

    @Test
    void eventsAreNumberedInTheOrderRecorded() {
        long a = history.invoke(1, Op.write("k", "a"));
        long b = history.invoke(2, Op.read("k"));
        history.ok(b, "a");
        history.ok(a, null);
        List<Event> events = history.events();
        assertEquals(List.of(0L, 1L, 2L, 3L), events.stream().map(Event::seq).toList());
        assertEquals(List.of(a, b, b, a), events.stream().map(Event::id).toList());
        assertEquals(List.of(Event.Type.INVOKE, Event.Type.INVOKE, Event.Type.OK, Event.Type.OK),
                events.stream().map(Event::type).toList());
        assertEquals("2 p2 read k : ok a", events.get(2).toString());
    }

    @Test
    void anOperationCompletesOnce() {
        long id = history.invoke(1, Op.write("k", "a"));
        history.ok(id, null);
        assertThrows(IllegalStateException.class, () -> history.unknown(id));
        assertThrows(IllegalStateException.class, () -> history.fail(12345));
    }

    @Test
    void aResultOfTheWrongKindIsRefusedAndTheOperationStaysInFlight() {
        long read = history.invoke(1, Op.read("k"));
        long write = history.invoke(1, Op.write("k", "a"));
        long cas = history.invoke(1, Op.cas("k", "a", "b"));
        assertThrows(IllegalArgumentException.class, () -> history.ok(read, true));
        assertThrows(IllegalArgumentException.class, () -> history.ok(write, "a"));
        assertThrows(IllegalArgumentException.class, () -> history.ok(cas, null));
        history.ok(read, "a");
        assertEquals(4, history.events().size());
    }

    /** A ConcurrentHashMap is linearizable, so what its concurrent clients record must be judged so. */
    @Test
    void concurrentClientsOfAnAtomicMapRecordALinearizableHistory() throws Exception {
        ConcurrentMap<String, String> map = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Void>> work = new ArrayList<>();
            for (int process = 0; process < 4; process++) {
                int p = process;
                work.add(() -> {
                    Random random = new Random(p);
                    for (int i = 0; i < 500; i++) {
                        String key = "k" + random.nextInt(3);
                        String value = "v" + random.nextInt(4);
                        switch (random.nextInt(3)) {
                            case 0 -> {
                                long id = history.invoke(p, Op.read(key));
                                history.ok(id, map.get(key));
                            }
                            case 1 -> {
                                long id = history.invoke(p, Op.write(key, value));
                                map.put(key, value);
                                history.ok(id, null);
                            }
                            default -> {
                                String expected = random.nextBoolean() ? map.get(key) : "v" + random.nextInt(4);
                                long id = history.invoke(p, Op.cas(key, expected, value));
                                history.ok(id, expected == null ? map.putIfAbsent(key, value) == null : map.replace(key, expected, value));
                            }
                        }
                    }
                    return null;
                });
            }
            for (Future<Void> done : clients.invokeAll(work)) {
                done.get();
            }
        } finally {
            clients.shutdownNow();
        }
        assertEquals(4000, history.events().size());
        LinearizabilityChecker.Result result = LinearizabilityChecker.check(history);
        assertEquals(LinearizabilityChecker.Verdict.OK, result.verdict(), result::toString);
    }
}
