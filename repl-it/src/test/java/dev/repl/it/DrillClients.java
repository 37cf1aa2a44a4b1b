package dev.repl.it;

import dev.repl.it.linearizability.History;
import dev.repl.it.linearizability.Op;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Concurrent clients through a fault drill: each does put, get and compare-and-set on a few
 * shared keys (fresh ones every 30 s) through the leader's key-value API, from inside its host, and records every call
 * in one {@link History} for the linearizability checker. A 503 (or 413) is a refusal with
 * nothing written, so it is recorded as failed; a 504 or no answer is unknown, never failed.
 */
final class DrillClients implements AutoCloseable {

    private static final int CLIENTS = 3;
    private static final int KEYS = 4;
    /**
     * The clients move to fresh keys this often, so each key's history stays a few hundred
     * operations however long the drill: the search is exponential in the worst case per key.
     */
    private static final long KEY_LIFETIME_NANOS = TimeUnit.SECONDS.toNanos(30);
    /**
     * Each call is a {@code curl} started inside the leader's host, about 20 ms of CPU: unpaced,
     * three clients took most of the two cores from the nodes the drill is judging.
     */
    private static final long PAUSE_MS = 150;
    /** Longer than the leader's commit timeout (5 s), so an uncommitted write is answered 504 rather than cut off. */
    private static final int MAX_SECONDS = 8;
    /**
     * {@code -Ddrill.staleReads=true} sends the reads to a follower with {@code ?stale=true}: not
     * linearizable by design, so the drill must then fail. It shows the check has teeth.
     */
    private static final boolean STALE_READS = Boolean.getBoolean("drill.staleReads");

    private final NetnsCluster cluster;
    private final History history = new History();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> clients = new ArrayList<>();
    private final long start = System.nanoTime();

    DrillClients(NetnsCluster cluster, long seed) {
        this.cluster = cluster;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < CLIENTS; i++) {
            int process = i;
            SplittableRandom own = random.split();
            Thread client = new Thread(() -> run(process, own), "drill-client-" + i);
            client.setDaemon(true);
            clients.add(client);
        }
        clients.forEach(Thread::start);
    }

    History history() {
        return history;
    }

    private void run(int process, SplittableRandom random) {
        Map<String, String> seen = new HashMap<>(); // the last value this client saw per key: what its CAS expects
        int n = 0;
        while (running.get()) {
            String key = "lin-" + (System.nanoTime() - start) / KEY_LIFETIME_NANOS + "-" + random.nextInt(KEYS);
            int choice = random.nextInt(10);
            if (choice < 4) {
                String value = read(process, key);
                if (value != null) {
                    seen.put(key, value);
                }
            } else if (choice < 8 || !seen.containsKey(key)) {
                String value = "c" + process + "-" + ++n;
                if (write(process, key, value)) {
                    seen.put(key, value);
                }
            } else {
                String value = "c" + process + "-" + ++n;
                cas(process, key, seen.get(key), value);
                seen.remove(key); // whatever it answered, the next CAS on this key should expect what a read sees
            }
            try {
                Thread.sleep(PAUSE_MS); // pacing, as DrillWrites paces its writes
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private String read(int process, String key) {
        long id = history.invoke(process, Op.read(key));
        NetnsCluster.Answer answer = STALE_READS ? cluster.call(1, "GET", key, "stale=true", null, MAX_SECONDS)
                : cluster.call("GET", key, null, null, MAX_SECONDS);
        switch (answer.status()) {
            case 200 -> history.ok(id, answer.body());
            case 404 -> history.ok(id, null);
            default -> history.fail(id); // a read with no answer changed nothing
        }
        return answer.status() == 200 ? answer.body() : null;
    }

    private boolean write(int process, String key, String value) {
        long id = history.invoke(process, Op.write(key, value));
        NetnsCluster.Answer answer = cluster.call("PUT", key, null, value, MAX_SECONDS);
        return record(id, answer, null);
    }

    private void cas(int process, String key, String expected, String value) {
        long id = history.invoke(process, Op.cas(key, expected, value));
        NetnsCluster.Answer answer = cluster.call("PUT", key, "prev=" + URLEncoder.encode(expected, StandardCharsets.UTF_8), value, MAX_SECONDS);
        record(id, answer, Boolean.TRUE);
    }

    /** @param applied the result of an OK write: null for a put, true for a CAS that swapped */
    private boolean record(long id, NetnsCluster.Answer answer, Boolean applied) {
        switch (answer.status()) {
            case 200 -> history.ok(id, applied);
            case 409 -> {
                if (applied != null) {
                    history.ok(id, Boolean.FALSE); // compare failed: it saw another value
                } else {
                    history.unknown(id); // a put is never answered so; claim nothing about it
                }
            }
            case 503, 413 -> history.fail(id);
            default -> history.unknown(id); // 504, or no answer: it may commit yet
        }
        return answer.status() == 200;
    }

    /** Operations recorded so far, by outcome. */
    Map<String, Long> outcomes() {
        Map<String, Long> counts = new TreeMap<>();
        history.operations().forEach(o -> counts.merge(o.outcome().name().toLowerCase(Locale.ROOT), 1L, Long::sum));
        return counts;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread client : clients) {
            client.join(30_000);
        }
    }
}
