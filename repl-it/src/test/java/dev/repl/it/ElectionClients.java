package dev.repl.it;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Clients of a cluster that elects its leader, on a host of their own: three do put, get and
 * compare-and-set on a few shared keys, and a fourth writes keys once each so that the end can
 * check none was lost. Each finds the leader as a real client does: it keeps the member that last
 * answered, follows a 503's leader hint, and moves on from a member it cannot reach. Every call is
 * recorded for the linearizability checker, in the current history: {@link #nextHistory} starts a
 * new one on fresh keys, so a long drill is many short histories, each checked on its own.
 */
final class ElectionClients implements AutoCloseable {

    private static final int CLIENTS = 3;
    private static final int KEYS = 4;
    /** Each call is a curl process, about 20 ms of CPU: paced, so the clients leave the cores to the members. */
    private static final long PAUSE_MS = 150;
    /** Longer than the members' commit timeout (5 s), so an uncommitted write is answered 504 rather than cut off. */
    private static final int MAX_SECONDS = 8;

    private record Epoch(int number, History history) {
    }

    private final NetnsPeers cluster;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final List<History> histories = new ArrayList<>();
    private final ConcurrentLinkedQueue<Integer> acknowledged = new ConcurrentLinkedQueue<>();
    private final Map<String, Long> writerAnswers = new TreeMap<>();
    private volatile Epoch epoch = new Epoch(0, new History());

    ElectionClients(NetnsPeers cluster, long seed) {
        this.cluster = cluster;
        histories.add(epoch.history());
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < CLIENTS; i++) {
            int process = i;
            SplittableRandom own = random.split();
            threads.add(new Thread(() -> client(process, own), "election-client-" + i));
        }
        SplittableRandom own = random.split();
        threads.add(new Thread(() -> writer(own), "election-writer"));
        threads.forEach(t -> {
            t.setDaemon(true);
            t.start();
        });
    }

    /** Ends the current history; calls from now on go to a new one, on keys of their own. */
    synchronized void nextHistory() {
        Epoch next = new Epoch(epoch.number() + 1, new History());
        histories.add(next.history());
        epoch = next;
    }

    synchronized List<History> histories() {
        return List.copyOf(histories);
    }

    private void client(int process, SplittableRandom random) {
        Map<String, String> seen = new HashMap<>();
        int target = random.nextInt(cluster.members());
        int n = 0;
        while (running.get()) {
            Epoch e = epoch;
            History history = e.history();
            String key = "h" + e.number() + "-" + random.nextInt(KEYS);
            int choice = random.nextInt(10);
            NetnsPeers.Answer answer;
            if (choice < 4) {
                long id = history.invoke(process, Op.read(key));
                answer = cluster.call(target, "GET", key, null, null, MAX_SECONDS);
                switch (answer.status()) {
                    case 200 -> {
                        history.ok(id, answer.body());
                        seen.put(key, answer.body());
                    }
                    case 404 -> history.ok(id, null);
                    default -> history.fail(id); // a read changes nothing, answered or not
                }
            } else if (choice < 8 || !seen.containsKey(key)) {
                String value = "c" + process + "-" + ++n;
                long id = history.invoke(process, Op.write(key, value));
                answer = cluster.call(target, "PUT", key, null, value, MAX_SECONDS);
                if (record(history, id, answer, null)) {
                    seen.put(key, value);
                }
            } else {
                String value = "c" + process + "-" + ++n;
                String expected = seen.remove(key);
                long id = history.invoke(process, Op.cas(key, expected, value));
                answer = cluster.call(target, "PUT", key, "prev=" + URLEncoder.encode(expected, StandardCharsets.UTF_8), value, MAX_SECONDS);
                record(history, id, answer, Boolean.TRUE);
            }
            target = next(target, answer);
            pause();
        }
    }

    /** @param applied the result of an OK write: null for a put, true for a CAS that swapped */
    private static boolean record(History history, long id, NetnsPeers.Answer answer, Boolean applied) {
        switch (answer.status()) {
            case 200 -> history.ok(id, applied);
            case 409 -> {
                if (applied != null) {
                    history.ok(id, Boolean.FALSE);
                } else {
                    history.unknown(id);
                }
            }
            case 503, 413 -> history.fail(id); // refused: nothing was proposed
            case 0 -> {
                if (answer.connected()) {
                    history.unknown(id); // sent, and no answer: it may commit yet
                } else {
                    history.fail(id); // never connected: nothing was sent
                }
            }
            default -> history.unknown(id); // 504 and the rest: it may commit yet
        }
        return answer.status() == 200;
    }

    private void writer(SplittableRandom random) {
        int target = random.nextInt(cluster.members());
        int n = 0;
        while (running.get()) {
            n++;
            NetnsPeers.Answer answer = cluster.call(target, "PUT", "w-" + n, null, "v-" + n, MAX_SECONDS);
            synchronized (writerAnswers) {
                writerAnswers.merge(answer.status() == 0 && !answer.connected() ? "refused" : Integer.toString(answer.status()), 1L, Long::sum);
            }
            if (answer.status() == 200) {
                acknowledged.add(n);
            }
            target = next(target, answer);
            pause();
        }
    }

    /** Where to send the next call: the same member while it answers as the leader, its hint when it names one, else the next. */
    private int next(int target, NetnsPeers.Answer answer) {
        if (answer.status() == 503) {
            try {
                JsonNode hint = Json.parse(answer.body()).path("leader");
                List<String> endpoints = cluster.endpoints();
                if (hint.isTextual() && endpoints.contains(hint.asText())) {
                    return endpoints.indexOf(hint.asText());
                }
            } catch (RuntimeException e) {
                // not JSON: fall through to the next member
            }
            return (target + 1) % cluster.members();
        }
        return answer.status() == 0 ? (target + 1) % cluster.members() : target;
    }

    private void pause() {
        try {
            Thread.sleep(PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The writer's answers by status ("refused": it could not connect). */
    Map<String, Long> writerAnswers() {
        synchronized (writerAnswers) {
            return new TreeMap<>(writerAnswers);
        }
    }

    long acknowledgedCount() {
        return acknowledged.size();
    }

    /** Every write the writer was answered 200 for, read back through {@code leader}: those missing or wrong. */
    List<String> lostWrites(int leader) {
        List<Integer> keys = new ArrayList<>(acknowledged);
        List<String> lost = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += 200) {
            List<Integer> batch = keys.subList(from, Math.min(keys.size(), from + 200));
            String[] answers = cluster.getAll(leader, batch.stream().map(n -> "w-" + n).toList());
            for (int i = 0; i < batch.size(); i++) {
                if (!answers[i].equals("200 v-" + batch.get(i))) {
                    lost.add("w-" + batch.get(i) + " (answered " + answers[i] + ")");
                }
            }
        }
        return lost;
    }

    /** Calls recorded in every history, by outcome. */
    Map<String, Long> outcomes() {
        Map<String, Long> counts = new TreeMap<>();
        for (History h : histories()) {
            h.operations().forEach(o -> counts.merge(o.outcome().name().toLowerCase(Locale.ROOT), 1L, Long::sum));
        }
        return counts;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
