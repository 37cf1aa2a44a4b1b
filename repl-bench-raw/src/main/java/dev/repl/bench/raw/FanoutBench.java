package dev.repl.bench.raw;

import dev.repl.api.DetectorConfig;
import dev.repl.api.FollowerState;
import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.cli.DurationConverter;
import dev.repl.cli.ExitCodes;
import dev.repl.cli.FollowerProcess;
import dev.repl.cli.Json;
import dev.repl.cli.bench.Benchmark;
import dev.repl.config.ReplicationConfig;
import dev.repl.leader.LeaderNode;
import dev.repl.liveness.FollowerStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code repl bench fanout}: one real leader in this process heartbeating {@code --followers}
 * followers, each its own TCP connection, emulated by child processes so that this process's CPU,
 * heap and memory are the leader's own.
 */
@Command(name = "fanout",
        header = "Measure one leader heartbeating many followers.",
        mixinStandardHelpOptions = true,
        description = {
            "One leader heartbeating --followers followers at --rate per second each, over one TCP connection per",
            "follower. The followers are emulated by child processes (5,000 per process) on consecutive loopback",
            "ports from --base-port. Reports the leader's CPU (cores), heap, RSS and the heartbeat round trip."})
public final class FanoutBench implements Benchmark {

    /** Each emulator holds a listening socket and a connection per follower: 10,000 descriptors. */
    private static final int FOLLOWERS_PER_EMULATOR = 5_000;
    private static final Duration START = Duration.ofMinutes(3);

    @Option(names = "--followers", defaultValue = "10000", description = "Followers. Default: ${DEFAULT-VALUE}.")
    int followers;

    @Option(names = "--rate", defaultValue = "10", description = "Heartbeats per second to each follower. Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--duration", defaultValue = "30s", converter = DurationConverter.class,
            description = "Measured time, after every follower is UP and the warm-up. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "10s", converter = DurationConverter.class,
            description = "Unmeasured time first. Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--base-port", defaultValue = "20000",
            description = "First of the followers' consecutive loopback ports; keep them below the ephemeral range. Default: ${DEFAULT-VALUE}.")
    int basePort;

    @Option(names = "--json", description = "Print the results as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (followers < 1 || followers > ReplicationConfig.MAX_FOLLOWERS) {
            throw new ParameterException(spec.commandLine(), "--followers must be 1-" + ReplicationConfig.MAX_FOLLOWERS);
        }
        if (rate <= 0 || rate > 1000) {
            throw new ParameterException(spec.commandLine(), "--rate must be above 0 and at most 1000");
        }
        if (basePort < 1024 || basePort + followers - 1 > NodeAddress.MAX_PORT) {
            throw new ParameterException(spec.commandLine(), "--base-port " + basePort + " leaves no room for " + followers + " ports");
        }
        PrintWriter err = spec.commandLine().getErr();
        List<FollowerProcess> emulators = new ArrayList<>();
        LeaderNode leader = null;
        try {
            for (int first = 0; first < followers; first += FOLLOWERS_PER_EMULATOR) {
                int count = Math.min(FOLLOWERS_PER_EMULATOR, followers - first);
                Peer label = new Peer("emulated-followers-" + (emulators.size() + 1), NodeAddress.loopback(basePort + first));
                emulators.add(FollowerProcess.launch(label, List.of("bench", "followers",
                        "--base-port", Integer.toString(basePort + first), "--count", Integer.toString(count))));
            }
            for (FollowerProcess emulator : emulators) {
                if (!emulator.awaitLine("ready", START)) {
                    throw new IllegalStateException(emulator.follower().name() + " did not start: are ports "
                            + basePort + "-" + (basePort + followers - 1) + " free?");
                }
            }
            List<NodeAddress> addresses = new ArrayList<>(followers);
            for (int i = 0; i < followers; i++) {
                addresses.add(NodeAddress.loopback(basePort + i));
            }
            Duration interval = Duration.ofNanos((long) (TimeUnit.SECONDS.toNanos(1) / rate));
            DetectorConfig detector = new DetectorConfig(interval, DetectorConfig.DEFAULT_POLICY, interval.multipliedBy(5),
                    DetectorConfig.DEFAULT_PHI_THRESHOLD, DetectorConfig.DEFAULT_MIN_STD_DEVIATION, DetectorConfig.DEFAULT_ACCEPTABLE_PAUSE);
            leader = new LeaderNode("fanout-leader", ReplicationConfig.of(NodeAddress.loopback(0), addresses), detector);
            leader.start();
            awaitAllUp(leader, err);
            progress(err, "warm-up %d s", warmup.toSeconds());
            Thread.sleep(warmup.toMillis()); // a benchmark's pacing, on the command's own thread

            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            Histogram before = rtts(leader);
            long cpuBefore = processCpuNanos();
            long start = System.nanoTime();
            long maxHeap = 0;
            for (long s = 1; s <= duration.toSeconds(); s++) {
                Thread.sleep(1_000);
                maxHeap = Math.max(maxHeap, memory.getHeapMemoryUsage().getUsed());
                progress(err, "measuring %d/%d s", s, duration.toSeconds());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cores = (processCpuNanos() - cpuBefore) / 1e9 / seconds;
            Histogram window = rtts(leader);
            window.subtract(before);
            long up = leader.followers().stream().filter(f -> f.state() == FollowerState.UP).count();
            long missed = leader.followers().stream().mapToLong(FollowerStatus::missed).sum();
            System.gc(); // the live set: what the leader keeps, not what it has yet to collect
            long liveHeap = memory.getHeapMemoryUsage().getUsed();
            print(spec.commandLine().getOut(), window, seconds, cores, maxHeap, liveHeap, rssBytes(), up, missed);
            return ExitCodes.OK;
        } finally {
            if (leader != null) {
                leader.close();
            }
            emulators.forEach(FollowerProcess::stop);
        }
    }

    private void awaitAllUp(LeaderNode leader, PrintWriter err) throws InterruptedException {
        long deadline = System.nanoTime() + START.toNanos();
        while (true) {
            long up = leader.followers().stream().filter(f -> f.state() == FollowerState.UP).count();
            progress(err, "%d/%d followers up", up, followers);
            if (up == followers) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + up + " of " + followers + " followers came up within " + START.toMinutes() + " min");
            }
            Thread.sleep(1_000);
        }
    }

    private static Histogram rtts(LeaderNode leader) {
        Histogram micros = new Histogram(1, TimeUnit.SECONDS.toMicros(10), 2);
        leader.addRttMicrosTo(micros);
        return micros;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** This process's resident set, from /proc (Linux); -1 elsewhere. */
    private static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or not readable: reported as unknown
        }
        return -1;
    }

    private static void progress(PrintWriter err, String format, Object... args) {
        err.printf("fanout: " + format + "%n", args);
        err.flush();
    }

    /** {@code --json}'s document. */
    record Result(int followers, double rate, double seconds, long acksPerSecond, double leaderCpuCores, double heapMaxUsedMiB,
                  double heapLiveMiB, Double rssMiB, long followersUp, long missedHeartbeats, Rtt rttUs) {
    }

    record Rtt(long p50, long p90, long p99, long p999, long max) {
    }

    private static double tenths(double value) {
        return Math.round(value * 10) / 10.0;
    }

    private void print(PrintWriter out, Histogram rttMicros, double seconds, double cores, long maxHeap, long liveHeap, long rss,
                       long up, long missed) {
        double mib = 1024 * 1024;
        double heartbeatsPerSecond = rttMicros.getTotalCount() / seconds;
        if (json) {
            out.print(Json.line(new Result(followers, rate, tenths(seconds), Math.round(heartbeatsPerSecond), Math.round(cores * 1000) / 1000.0,
                    tenths(maxHeap / mib), tenths(liveHeap / mib), rss < 0 ? null : tenths(rss / mib), up, missed,
                    new Rtt(rttMicros.getValueAtPercentile(50), rttMicros.getValueAtPercentile(90), rttMicros.getValueAtPercentile(99),
                            rttMicros.getValueAtPercentile(99.9), rttMicros.getMaxValue()))));
        } else {
            out.printf(Locale.ROOT, "followers %d at %.1f Hz, measured %.0f s: %.0f acks/s, %d up at the end, %d heartbeats missed in all%n",
                    followers, rate, seconds, heartbeatsPerSecond, up, missed);
            out.printf(Locale.ROOT, "leader CPU   %.3f cores%n", cores);
            out.printf(Locale.ROOT, "leader heap  %.1f MiB live after GC, %.1f MiB most used between collections%n", liveHeap / mib, maxHeap / mib);
            out.printf(Locale.ROOT, "leader RSS   %.1f MiB%n", rss / mib);
            out.printf(Locale.ROOT, "rtt us       p50 %d  p90 %d  p99 %d  p99.9 %d  max %d%n",
                    rttMicros.getValueAtPercentile(50), rttMicros.getValueAtPercentile(90), rttMicros.getValueAtPercentile(99),
                    rttMicros.getValueAtPercentile(99.9), rttMicros.getMaxValue());
        }
        out.flush();
    }
}
