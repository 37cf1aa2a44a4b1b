package dev.repl.bench.raw;

import dev.repl.api.DetectorConfig;
import dev.repl.api.FollowerState;
import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.cli.DetectorOptions;
import dev.repl.cli.DurationConverter;
import dev.repl.cli.ExitCodes;
import dev.repl.cli.FollowerProcess;
import dev.repl.cli.FollowerProcesses;
import dev.repl.cli.Json;
import dev.repl.cli.bench.BenchFiles;
import dev.repl.cli.bench.Benchmark;
import dev.repl.config.ReplicationConfig;
import dev.repl.leader.LeaderNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code repl bench detection}: how fast a leader in this process detects a follower process that
 * is killed (SIGKILL) or frozen (SIGSTOP), how fast a thawed one is UP again, and how many false
 * alarms an untouched follower raises meanwhile and during a healthy run with every core busy.
 */
@Command(name = "detection",
        header = "Measure how fast a killed or frozen follower is detected.",
        mixinStandardHelpOptions = true,
        description = {
            "Kill and freeze a follower process many times and measure failure detection:",
            "latency from the signal to DOWN, recovery from SIGCONT to UP, and false alarms (DOWN of an",
            "untouched follower, or of any follower during a healthy run with CPU burners on every core)."})
public final class DetectionBench implements Benchmark {

    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /**
     * Quiet time after a follower is UP again before the next fault: a restarted JVM keeps both
     * cores busy for a while, and a fault injected then would measure the restart, not the detector.
     */
    private static final Duration SETTLE = Duration.ofSeconds(1);

    @Mixin
    DetectorOptions options;

    @Option(names = "--kills", defaultValue = "50", description = "SIGKILL-and-restart rounds. Default: ${DEFAULT-VALUE}.")
    int kills;

    @Option(names = "--freezes", defaultValue = "50", description = "SIGSTOP-and-SIGCONT rounds. Default: ${DEFAULT-VALUE}.")
    int freezes;

    @Option(names = "--healthy", defaultValue = "30s", converter = DurationConverter.class,
            description = "Length of the healthy run with a CPU burner per core. Default: ${DEFAULT-VALUE}.")
    Duration healthy;

    @Option(names = "--json", description = "Print the results as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    private record Event(FollowerState to, long atNanos) {
    }

    private DetectorConfig detector;

    /** Each follower's transitions, in order. */
    private final Map<String, BlockingQueue<Event>> events = new ConcurrentHashMap<>();
    private final AtomicInteger falseAlarms = new AtomicInteger();
    private final AtomicInteger falseSuspicions = new AtomicInteger();
    private final AtomicBoolean victimFaulted = new AtomicBoolean();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        detector = options.toConfig();
        Peer victim = new Peer("victim", NodeAddress.loopback(BenchFiles.freePort()));
        Peer bystander = new Peer("bystander", NodeAddress.loopback(BenchFiles.freePort()));
        FollowerProcesses children = new FollowerProcesses(List.of());
        Thread reaper = new Thread(children::stopAll, "bench-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        Histogram killed = new Histogram(3);
        Histogram frozen = new Histogram(3);
        Histogram thawed = new Histogram(3);
        int loadAlarms;
        int loadSuspicions;
        FollowerProcess victimProcess = children.start(victim);
        children.start(bystander);
        ReplicationConfig config = new ReplicationConfig(NodeAddress.loopback(0), List.of(victim, bystander));
        try (LeaderNode leader = new LeaderNode("bench-leader", config, detector, (follower, from, to, evidence, at) -> {
            events.computeIfAbsent(follower.name(), name -> new LinkedBlockingQueue<>()).add(new Event(to, at));
            boolean innocent = follower.equals(bystander) || !victimFaulted.get();
            if (innocent && from != FollowerState.CONNECTING && to == FollowerState.DOWN) {
                falseAlarms.incrementAndGet();
            } else if (innocent && to == FollowerState.SUSPECT) {
                falseSuspicions.incrementAndGet();
            }
        })) {
            leader.start();
            await(bystander, FollowerState.UP);
            await(victim, FollowerState.UP);
            settle(SETTLE.multipliedBy(3));
            err.printf("detection: %s detector, interval %d ms; %d kills, %d freezes, %d s healthy under load%n",
                    detector.policy().name().toLowerCase(), detector.heartbeatInterval().toMillis(), kills, freezes, healthy.toSeconds());
            for (int i = 0; i < kills; i++) {
                victimFaulted.set(true);
                long t0 = System.nanoTime();
                victimProcess.kill();
                killed.recordValue(micros(await(victim, FollowerState.DOWN) - t0));
                victimProcess = children.start(victim);
                await(victim, FollowerState.UP);
                victimFaulted.set(false);
                settle(SETTLE);
                progress(err, "kill", i + 1, kills);
            }
            for (int i = 0; i < freezes; i++) {
                victimFaulted.set(true);
                signal(victimProcess.pid(), "STOP");
                long t0 = System.nanoTime();
                frozen.recordValue(micros(await(victim, FollowerState.DOWN) - t0));
                signal(victimProcess.pid(), "CONT");
                long t1 = System.nanoTime();
                thawed.recordValue(micros(await(victim, FollowerState.UP) - t1));
                victimFaulted.set(false);
                settle(SETTLE);
                progress(err, "freeze", i + 1, freezes);
            }
            int alarmsBefore = falseAlarms.get();
            int suspicionsBefore = falseSuspicions.get();
            burnEveryCore(healthy);
            loadAlarms = falseAlarms.get() - alarmsBefore;
            loadSuspicions = falseSuspicions.get() - suspicionsBefore;
        } finally {
            children.stopAll();
            Runtime.getRuntime().removeShutdownHook(reaper);
        }
        report(out, Latency.of(killed), Latency.of(frozen), Latency.of(thawed), loadAlarms, loadSuspicions);
        return ExitCodes.OK;
    }

    /** Detection latencies of one kind, in milliseconds to 0.1; null without samples. */
    record Latency(long count, Double p50Ms, Double p99Ms, Double maxMs) {

        static Latency of(Histogram micros) {
            if (micros.getTotalCount() == 0) {
                return new Latency(0, null, null, null);
            }
            return new Latency(micros.getTotalCount(), millis(micros.getValueAtPercentile(50)), millis(micros.getValueAtPercentile(99)),
                    millis(micros.getMaxValue()));
        }

        private static double millis(long micros) {
            return Math.round(micros / 100.0) / 10.0;
        }
    }

    record HealthyRun(long seconds, int falseAlarms, int falseSuspicions) {
    }

    /** {@code --json}'s document. */
    record Result(String detector, long intervalMs, Latency kill, Latency freeze, Latency thaw, int falseAlarms, int falseSuspicions,
                  HealthyRun healthyUnderLoad) {
    }

    private void report(PrintWriter out, Latency killed, Latency frozen, Latency thawed, int loadAlarms, int loadSuspicions) {
        String detectorName = detector.policy().name().toLowerCase(Locale.ROOT);
        if (json) {
            out.print(Json.line(new Result(detectorName, detector.heartbeatInterval().toMillis(), killed, frozen, thawed,
                    falseAlarms.get(), falseSuspicions.get(), new HealthyRun(healthy.toSeconds(), loadAlarms, loadSuspicions))));
        } else {
            out.printf("%-36s %6s %9s %9s %9s%n", "detector " + detectorName + ", interval " + detector.heartbeatInterval().toMillis() + " ms", "count", "p50 ms", "p99 ms", "max ms");
            row(out, "SIGKILL -> DOWN", killed);
            row(out, "SIGSTOP -> DOWN", frozen);
            row(out, "SIGCONT -> UP", thawed);
            out.printf("false alarms (DOWN of a healthy follower): %d, of them under load: %d%n", falseAlarms.get(), loadAlarms);
            out.printf("false suspicions (SUSPECT of a healthy follower): %d, of them under load: %d%n", falseSuspicions.get(), loadSuspicions);
        }
        out.flush();
    }

    private static void row(PrintWriter out, String what, Latency l) {
        out.printf(Locale.ROOT, "%-36s %6d %9s %9s %9s%n", what, l.count(), ms(l.p50Ms()), ms(l.p99Ms()), ms(l.maxMs()));
    }

    private static String ms(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    private long await(Peer follower, FollowerState state) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        BlockingQueue<Event> transitions = events.computeIfAbsent(follower.name(), name -> new LinkedBlockingQueue<>());
        while (true) {
            Event e = transitions.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new IllegalStateException(follower.name() + " did not become " + state + " within 30 s");
            }
            if (e.to() == state) {
                return e.atNanos();
            }
        }
    }

    private static void burnEveryCore(Duration howLong) throws InterruptedException {
        long end = System.nanoTime() + howLong.toNanos();
        List<Thread> burners = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            Thread burner = new Thread(() -> {
                long x = 0;
                while (System.nanoTime() < end) {
                    x += x * 31 + 7;
                }
                if (x == 42) {
                    System.out.print(""); // keeps the loop from being optimised away
                }
            }, "burner-" + i);
            burner.setDaemon(true);
            burner.start();
            burners.add(burner);
        }
        for (Thread burner : burners) {
            burner.join();
        }
    }

    private static void settle(Duration quiet) throws InterruptedException {
        Thread.sleep(quiet.toMillis()); // a benchmark's pacing, not a test's wait
    }

    private static void signal(long pid, String signal) throws IOException, InterruptedException {
        int code = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
        if (code != 0) {
            throw new IOException("kill -" + signal + " " + pid + " exited with " + code);
        }
    }

    private static void progress(PrintWriter err, String what, int done, int total) {
        if (done % 10 == 0 || done == total) {
            err.printf("  %s %d/%d%n", what, done, total);
            err.flush();
        }
    }

    private static long micros(long nanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos));
    }
}
