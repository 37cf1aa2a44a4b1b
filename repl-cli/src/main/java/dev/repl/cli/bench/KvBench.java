package dev.repl.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.cli.DurationConverter;
import dev.repl.cli.ExitCodes;
import dev.repl.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code repl bench kv}: writes through the key-value API of a three-node cluster the bench
 * starts as separate processes, each with a data directory on the same disk, from C closed-loop
 * clients; with {@code --vs-etcd}, the same load in the same run against a three-member etcd
 * cluster (Debian's etcd-server) through its JSON gateway, with the same HTTP client and fsync on
 * both sides. Both clusters stay up and take turns, round after round, so that the machine's
 * noise falls on both alike; each figure is the median over the rounds.
 */
@Command(name = "kv",
        header = "Measure key-value writes and reads, against etcd.",
        mixinStandardHelpOptions = true,
        description = {
            "Writes to a three-node repl cluster started as separate processes (quorum acks, fsync), from --clients",
            "closed-loop clients each doing one write at a time; with --vs-etcd, the same against a three-member etcd",
            "cluster, taking turns with it for --rounds rounds. Figures are medians over the rounds."})
public final class KvBench implements Callable<Integer> {

    @Option(names = "--clients", split = ",", defaultValue = "1,64", description = "Client counts to run, in order. Default: ${DEFAULT-VALUE}.")
    List<Integer> clients;

    @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
            description = "Measured time per system, client count and round. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "20s", converter = DurationConverter.class,
            description = "Unmeasured load on each system before the first round, split over the client counts (the JIT's time). Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--rounds", defaultValue = "3", description = "Times each system runs each client count. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--value-bytes", defaultValue = "64", description = "Size of each value. Default: ${DEFAULT-VALUE}.")
    int valueBytes;

    @Option(names = "--keys", defaultValue = "0",
            description = "Distinct keys each client writes in turn; 0: a new key every write. Default: ${DEFAULT-VALUE}.")
    long keys;

    @Option(names = "--snapshot-every", description = "Passed to the repl nodes: entries applied between snapshots (0: never). Default: the node's.")
    Long snapshotEvery;

    @Option(names = "--vs-etcd", description = "Also run the load against etcd (Debian package etcd-server), in the same run.")
    boolean vsEtcd;

    @Option(names = "--etcd", description = "With --vs-etcd: the etcd binary. Default: etcd.")
    String etcd;

    @Option(names = "--dir", description = "Where the data directories go (the disk measured); kept afterwards. Default: a temporary directory, removed.")
    Path dir;

    @Option(names = "--json", description = "Print the results as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** Unmeasured load before each measured phase, so that connections are open and the clients in step. */
    private static final Duration SETTLE = Duration.ofSeconds(1);

    /** One system at one client count: medians over the rounds, the worst latency of any. */
    record Result(String system, int clients, int rounds, long writesPerSecond, double p50Ms, double p99Ms, double maxMs, long errors) {
    }

    /** The repl leader after a round: its heap right after a full collection, and the size of its log. */
    record Footprint(int round, long logBytes, long lastIndex, long heapAfterGcBytes) {
    }

    @Override
    public Integer call() throws Exception {
        if (clients.stream().anyMatch(c -> c < 1)) {
            throw new ParameterException(spec.commandLine(), "--clients must be at least 1 each");
        }
        if (rounds < 1 || valueBytes < 1 || keys < 0) {
            throw new ParameterException(spec.commandLine(), "--rounds and --value-bytes must be at least 1, --keys at least 0");
        }
        if (etcd != null && !vsEtcd) {
            throw new ParameterException(spec.commandLine(), "--etcd applies with --vs-etcd only");
        }
        PrintWriter err = spec.commandLine().getErr();
        Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("repl-bench-kv");
        Map<String, List<KvLoad.Phase>> phases = new LinkedHashMap<>();
        List<Footprint> footprints = new ArrayList<>();
        List<String> nodeArgs = snapshotEvery == null ? List.of() : List.of("--snapshot-every", Long.toString(snapshotEvery));
        try (ReplKvCluster repl = new ReplKvCluster(root.resolve("repl"), nodeArgs, err);
             EtcdKvCluster etcdCluster = vsEtcd ? new EtcdKvCluster(etcd == null ? "etcd" : etcd, root.resolve("etcd"), err) : null) {
            for (int node = 2; node >= 0; node--) {
                repl.start(node);
            }
            repl.awaitWritable();
            List<KvTarget> targets = etcdCluster == null ? List.of(repl) : List.of(repl, etcdCluster);
            for (KvTarget target : targets) {
                err.printf("kv: %s: %d s of warm-up%n", target.system(), warmup.toSeconds());
                err.flush();
                for (int count : clients) {
                    new KvLoad(target, valueBytes, keys).run(count, Duration.ZERO, warmup.dividedBy(clients.size()));
                }
            }
            for (int round = 1; round <= rounds; round++) {
                for (int count : clients) {
                    for (KvTarget target : targets) {
                        KvLoad.Phase p = new KvLoad(target, valueBytes, keys).run(count, SETTLE, duration);
                        phases.computeIfAbsent(target.system() + " " + count, k -> new ArrayList<>()).add(p);
                        err.printf(Locale.ROOT, "kv: round %d/%d, %s, %d client(s): %d writes/s, p50 %.2f ms, p99 %.2f ms%n", round, rounds,
                                target.system(), count, p.writesPerSecond(), ms(p.micros().getValueAtPercentile(50)),
                                ms(p.micros().getValueAtPercentile(99)));
                        err.flush();
                    }
                }
                JsonNode log = repl.status().path("log");
                Footprint f = new Footprint(round, log.path("sizeBytes").asLong(), log.path("lastIndex").asLong(), repl.leaderHeapAfterGc());
                footprints.add(f);
                err.printf(Locale.ROOT, "kv: round %d/%d, repl leader: log %.1f MiB (%d entries), heap after GC %.1f MiB%n", round, rounds,
                        f.logBytes() / 1048576.0, f.lastIndex(), f.heapAfterGcBytes() / 1048576.0);
                err.flush();
            }
        } finally {
            if (dir == null) {
                BenchFiles.deleteTree(root);
            }
        }
        List<Result> results = new ArrayList<>();
        phases.forEach((key, list) -> {
            String[] parts = key.split(" ");
            results.add(new Result(parts[0], Integer.parseInt(parts[1]), list.size(),
                    Math.round(median(list.stream().mapToDouble(KvLoad.Phase::writesPerSecond).toArray())),
                    ms(median(list.stream().mapToDouble(p -> p.micros().getValueAtPercentile(50)).toArray())),
                    ms(median(list.stream().mapToDouble(p -> p.micros().getValueAtPercentile(99)).toArray())),
                    ms(list.stream().mapToLong(p -> p.micros().getMaxValue()).max().orElse(0)),
                    list.stream().mapToLong(KvLoad.Phase::errors).sum()));
        });
        print(spec.commandLine().getOut(), results, footprints);
        return ExitCodes.OK;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double ms(double micros) {
        return Math.round(micros / 10.0) / 100.0;
    }

    private void print(PrintWriter out, List<Result> results, List<Footprint> footprints) throws IOException {
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("valueBytes", valueBytes);
            doc.put("results", results);
            doc.put("replLeader", footprints);
            out.print(Json.line(doc));
        } else {
            String row = "%-6s %8s %10s %9s %9s %9s %7s%n";
            out.printf(row, "system", "clients", "writes/s", "p50 ms", "p99 ms", "max ms", "errors");
            for (Result r : results) {
                out.printf(Locale.ROOT, "%-6s %8d %10d %9.2f %9.2f %9.2f %7d%n", r.system(), r.clients(), r.writesPerSecond(), r.p50Ms(), r.p99Ms(),
                        r.maxMs(), r.errors());
            }
            for (Result r : results) {
                if (!r.system().equals("repl")) {
                    continue;
                }
                results.stream().filter(e -> e.system().equals("etcd") && e.clients() == r.clients()).findFirst().ifPresent(e ->
                        out.printf(Locale.ROOT, "repl/etcd %3d clients: writes/s %.2fx, p50 %.2fx, p99 %.2fx%n", r.clients(),
                                (double) r.writesPerSecond() / Math.max(1, e.writesPerSecond()), r.p50Ms() / e.p50Ms(), r.p99Ms() / e.p99Ms()));
            }
            for (Footprint f : footprints) {
                out.printf(Locale.ROOT, "repl leader after round %d: log %.1f MiB, heap after GC %.1f MiB%n", f.round(), f.logBytes() / 1048576.0,
                        f.heapAfterGcBytes() / 1048576.0);
            }
        }
        out.flush();
    }
}
