package dev.repl.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes flowing through a fault drill: one writer puts {@code drill-N = v-N} through the leader
 * about ten times a second, one write at a time, and keeps every key it was answered 200 for, so
 * that the end of the drill can check that none of them was lost.
 */
final class DrillWrites implements AutoCloseable {

    private final NetnsCluster cluster;
    private final Thread writer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong sent = new AtomicLong();
    private final Map<Integer, AtomicLong> answers = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Integer> acknowledged = new ConcurrentLinkedQueue<>();

    DrillWrites(NetnsCluster cluster) {
        this.cluster = cluster;
        this.writer = new Thread(this::write, "drill-writes");
        writer.setDaemon(true);
        writer.start();
    }

    private void write() {
        int n = 0;
        while (running.get()) {
            n++;
            sent.incrementAndGet();
            int code = cluster.put("drill-" + n, "v-" + n);
            answers.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
            if (code == 200) {
                acknowledged.add(n);
            }
            try {
                Thread.sleep(100); // a steady trickle, not a load test
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Writes answered so far, by HTTP status (0 for no answer at all). */
    Map<Integer, Long> answers() {
        Map<Integer, Long> copy = new TreeMap<>();
        answers.forEach((code, count) -> copy.put(code, count.get()));
        return copy;
    }

    long acknowledgedCount() {
        return acknowledged.size();
    }

    /**
     * Reads every acknowledged key back from the leader, a few hundred per curl, and returns those
     * whose value is missing or wrong.
     */
    List<String> lostWrites() {
        List<Integer> keys = new ArrayList<>(acknowledged);
        List<String> lost = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += 200) {
            List<Integer> batch = keys.subList(from, Math.min(keys.size(), from + 200));
            String[] answersOf = cluster.getAll(batch.stream().map(n -> "drill-" + n).toList());
            for (int i = 0; i < batch.size(); i++) {
                int n = batch.get(i);
                if (!answersOf[i].equals("200 v-" + n)) {
                    lost.add("drill-" + n + " (answered " + answersOf[i] + ")");
                }
            }
        }
        return lost;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        writer.interrupt();
        writer.join(30_000);
    }
}
