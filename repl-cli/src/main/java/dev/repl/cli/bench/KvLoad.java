package dev.repl.cli.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop write load: each client is a thread with its own HTTP/1.1 connection (as separate
 * programs would have), doing one write at a time. Only writes that start and end inside the
 * measured window count.
 */
final class KvLoad {

    /** What one phase measured: committed writes and their latencies in microseconds, and the writes that were not committed. */
    record Phase(long writes, double seconds, Histogram micros, long errors) {
        long writesPerSecond() {
            return Math.round(writes / seconds);
        }
    }

    private final KvTarget target;
    private final byte[] value;
    private final long keys;

    /** @param keys how many distinct keys each client cycles through; 0 for a new key every write */
    KvLoad(KvTarget target, int valueBytes, long keys) {
        this.target = target;
        this.value = new byte[valueBytes];
        Arrays.fill(value, (byte) 'v');
        this.keys = keys;
    }

    /** {@code clients} clients for {@code warmup}, unmeasured, and then for {@code duration}. */
    Phase run(int clients, Duration warmup, Duration duration) throws InterruptedException {
        long measureFrom = System.nanoTime() + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        return run(clients, measureFrom, () -> System.nanoTime() >= end, duration.toNanos() / 1e9);
    }

    /** {@code clients} clients, every write measured, until {@code done} says so; the seconds are those it took. */
    Phase runUntil(int clients, BooleanSupplier done) throws InterruptedException {
        long start = System.nanoTime();
        Phase p = run(clients, start, done, -1);
        return new Phase(p.writes(), (System.nanoTime() - start) / 1e9, p.micros(), p.errors());
    }

    private Phase run(int clients, long measureFrom, BooleanSupplier done, double seconds) throws InterruptedException {
        Histogram micros = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
                for (long i = 0; !done.getAsBoolean(); i++) {
                    String key = "bench-" + client + "-" + (keys == 0 ? i : i % keys);
                    long t0 = System.nanoTime();
                    boolean ok;
                    try {
                        ok = target.ok(http.send(target.write(key, value), HttpResponse.BodyHandlers.ofByteArray()));
                    } catch (IOException e) {
                        ok = false;
                    } catch (InterruptedException e) {
                        return;
                    }
                    long t1 = System.nanoTime();
                    // A write that ends after the window is dropped: its latency would be cut off unfairly.
                    if (t0 >= measureFrom && (seconds < 0 || !done.getAsBoolean())) {
                        if (ok) {
                            synchronized (micros) {
                                micros.recordValue(Math.min(micros.getHighestTrackableValue(), TimeUnit.NANOSECONDS.toMicros(t1 - t0)));
                            }
                        } else {
                            errors.incrementAndGet();
                        }
                    }
                }
            }, "bench-client-" + c);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        return new Phase(micros.getTotalCount(), seconds, micros, errors.get());
    }
}
