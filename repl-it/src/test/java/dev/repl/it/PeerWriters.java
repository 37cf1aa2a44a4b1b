package dev.repl.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Writers that put new keys into an elected cluster over its HTTP API without pause, each
 * following the leader as a client does (a 503's hint, else the next member), and keep every
 * write answered 200 — acknowledged — with its value, and the latency of each.
 */
final class PeerWriters implements AutoCloseable {

    private final PeerCluster cluster;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
    /** Latency of acknowledged writes, microseconds. */
    private final Recorder latency = new Recorder(3);

    /**
     * @param prefix of every key written, so that writers of several rounds never write the same key
     * @param first  the member to send to first (the leader, if known)
     */
    PeerWriters(PeerCluster cluster, int writers, String prefix, int first) {
        this.cluster = cluster;
        for (int w = 0; w < writers; w++) {
            String keys = prefix + "w" + w + "-";
            threads.add(new Thread(() -> write(keys, first), "writer-" + prefix + w));
        }
        threads.forEach(t -> {
            t.setDaemon(true); // a test that fails before close() leaves no writer spinning against dead members
            t.start();
        });
    }

    private void write(String keys, int first) {
        int target = first;
        for (int i = 0; running.get(); i++) {
            String key = keys + i;
            String value = "v" + i;
            long start = System.nanoTime();
            String outcome;
            try {
                KvCluster.Answer answer = cluster.put(target, key, value);
                outcome = Integer.toString(answer.status());
                if (answer.status() == 200) {
                    latency.recordValue(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start));
                    acknowledged.put(key, value);
                } else if (answer.status() == 503) {
                    target = hinted(answer, target);
                } else if (answer.status() != 504) {
                    target = (target + 1) % cluster.size;
                }
            } catch (IOException e) {
                outcome = "no answer";
                target = (target + 1) % cluster.size; // never answered: nothing is promised
            } catch (InterruptedException e) {
                return;
            }
            answers.computeIfAbsent(outcome, o -> new AtomicLong()).incrementAndGet();
        }
    }

    private int hinted(KvCluster.Answer answer, int target) {
        try {
            JsonNode hint = answer.json().path("leader");
            for (int i = 0; i < cluster.size; i++) {
                if (hint.isTextual() && hint.asText().equals(cluster.endpoint(i)) && i != target) {
                    return i;
                }
            }
        } catch (AssertionError | RuntimeException e) {
            // not JSON: the next member
        }
        return (target + 1) % cluster.size;
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    /** Every acknowledged write: key to value. */
    Map<String, String> acknowledged() {
        return new TreeMap<>(acknowledged);
    }

    /** Answers so far by HTTP status ("no answer": the connection failed or timed out). */
    Map<String, Long> answers() {
        Map<String, Long> copy = new TreeMap<>();
        answers.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    /** The latencies of writes acknowledged since the last call (or the start). */
    Histogram latencies() {
        return latency.getIntervalHistogram();
    }

    /** Starts no new write; those under way finish (or fail) on their own. */
    void stopSoon() {
        running.set(false);
    }

    /** Stops, and waits for the writes under way to be answered or fail. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }

    static String describe(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "no write acknowledged";
        }
        return String.format("%d writes acknowledged, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms", h.getTotalCount(),
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }
}
