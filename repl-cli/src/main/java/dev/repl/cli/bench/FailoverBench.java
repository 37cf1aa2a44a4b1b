package dev.repl.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.cli.CommandFailedException;
import dev.repl.cli.DurationConverter;
import dev.repl.cli.ExitCodes;
import dev.repl.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code repl bench failover}: a client writes one key after another through a three-member
 * cluster; the leader is SIGKILLed mid-stream, many times. For each kill: the time until a write
 * is committed by another leader, and how many writes in between ended with an unknown outcome.
 * With {@code --vs-etcd}, the same in the same run against three etcd members with the same
 * heartbeat interval and election timeout. With {@code --healthy}, no kills: the members run
 * under writes (and with {@code --busy}, every core kept busy) and the elections are counted.
 */
@Command(name = "failover",
        header = "Measure the time to a new leader's first commit after the leader is killed, against etcd.",
        mixinStandardHelpOptions = true,
        description = {
            "Kill the leader of three members (repl node --peers) many times while a client writes; for each kill, the time",
            "until another leader commits a write and the writes that ended unknown. --vs-etcd: the same against three etcd",
            "members with the same timings. --healthy: no kills, count the elections of a healthy run."})
public final class FailoverBench implements Callable<Integer> {

    @Option(names = "--kills", defaultValue = "30", description = "Leader kills per system. Default: ${DEFAULT-VALUE}.")
    int kills;

    @Option(names = "--heartbeat-interval", defaultValue = "100ms", converter = DurationConverter.class,
            description = "Every member's heartbeat interval (etcd's --heartbeat-interval). Default: ${DEFAULT-VALUE}.")
    Duration heartbeat;

    @Option(names = "--election-timeout", defaultValue = "1s", converter = DurationConverter.class,
            description = "Every member's election timeout (etcd's --election-timeout). Default: ${DEFAULT-VALUE}.")
    Duration electionTimeout;

    @Option(names = "--healthy", converter = DurationConverter.class,
            description = "Instead of kills: run this long under writes and count the elections.")
    Duration healthy;

    @Option(names = "--busy", description = "With --healthy: keep every core busy with spinning threads meanwhile.")
    boolean busy;

    @Option(names = "--vs-etcd", description = "Also run against etcd (Debian package etcd-server), in the same run.")
    boolean vsEtcd;

    @Option(names = "--etcd", description = "With --vs-etcd: the etcd binary. Default: etcd.")
    String etcd;

    @Option(names = "--dir", description = "Where the data directories go; kept afterwards. Default: a temporary directory, removed.")
    Path dir;

    @Option(names = "--json", description = "Print the results as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration REQUEST = Duration.ofSeconds(2);
    /** How often a write is sent after the kill: the resolution of the failover time. */
    private static final long PROBE_EVERY_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10);

    /** How a write ended: committed, known not to be (refused, never sent), or unknown (sent, no answer). */
    enum Outcome { OK, FAILED, UNKNOWN }

    /** Three members of one system, as this bench drives them. */
    private interface Members extends AutoCloseable {
        String system();

        /** The member every answering member agrees leads, and its term; null if there is none now. */
        long[] leader() throws InterruptedException;

        void kill(int member) throws InterruptedException;

        void restart(int member) throws IOException;

        HttpRequest write(int member, String key);

        Outcome outcome(HttpResponse<String> response);

        /** The member a refusal points to, or -1. */
        int hint(HttpResponse<String> response);

        @Override
        void close();
    }

    /** One system's figures. */
    record Result(String system, int kills, double p50Ms, double p90Ms, double p99Ms, double maxMs, long unknownWrites, long maxUnknownPerKill,
                  long healthyElections, long healthyWrites, double healthySeconds) {
    }

    @Override
    public Integer call() throws Exception {
        if (kills < 1) {
            throw new ParameterException(spec.commandLine(), "--kills must be at least 1");
        }
        if (etcd != null && !vsEtcd) {
            throw new ParameterException(spec.commandLine(), "--etcd applies with --vs-etcd only");
        }
        if (busy && healthy == null) {
            throw new ParameterException(spec.commandLine(), "--busy applies with --healthy only");
        }
        if (healthy != null && spec.commandLine().getParseResult().hasMatchedOption("--kills")) {
            throw new ParameterException(spec.commandLine(), "--kills and --healthy do not go together: a healthy run kills nothing");
        }
        if (electionTimeout.compareTo(heartbeat.multipliedBy(3)) < 0) {
            throw new ParameterException(spec.commandLine(), "--election-timeout must be at least three --heartbeat-interval");
        }
        PrintWriter err = spec.commandLine().getErr();
        Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("repl-bench-failover");
        List<Result> results = new ArrayList<>();
        try {
            try (Members repl = new Repl(root.resolve("repl"))) {
                results.add(measure(repl, err));
            }
            if (vsEtcd) {
                try (Members etcdMembers = new Etcd(etcd == null ? "etcd" : etcd, root.resolve("etcd"), err)) {
                    results.add(measure(etcdMembers, err));
                }
            }
        } finally {
            if (dir == null) {
                BenchFiles.deleteTree(root);
            }
        }
        print(spec.commandLine().getOut(), results);
        return ExitCodes.OK;
    }

    private Result measure(Members members, PrintWriter err) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(REQUEST).build();
        awaitAllUp(members);
        if (healthy != null) {
            return healthyRun(members, http, err);
        }
        Histogram failover = new Histogram(3);
        long unknownTotal = 0;
        long unknownMax = 0;
        for (int k = 1; k <= kills; k++) {
            long[] leader = awaitAllUp(members);
            int victim = (int) leader[0];
            Stream stream = new Stream(members, http, victim);
            Thread client = new Thread(stream, "failover-stream");
            client.start();
            stream.awaitFlowing();
            Thread.sleep(100 + ThreadLocalRandom.current().nextInt(200)); // at a random point of the stream
            long killedAt = System.nanoTime();
            stream.killedAt = killedAt;
            members.kill(victim);
            Probes probes = new Probes(members, http, victim, killedAt);
            long committedAt = probes.run();
            client.join(WAIT.toMillis());
            if (committedAt == 0) {
                throw new CommandFailedException(members.system() + ": no write committed within " + WAIT.toSeconds() + " s of killing the leader");
            }
            long micros = (committedAt - killedAt) / 1_000;
            long unknown = probes.unknown + stream.unknown;
            failover.recordValue(micros);
            unknownTotal += unknown;
            unknownMax = Math.max(unknownMax, unknown);
            err.printf(Locale.ROOT, "failover: %s kill %d/%d of member %d: %.1f ms to a commit, %d write(s) unknown%n", members.system(), k, kills,
                    victim + 1, micros / 1000.0, unknown);
            err.flush();
            members.restart(victim);
        }
        return new Result(members.system(), kills, failover.getValueAtPercentile(50) / 1000.0, failover.getValueAtPercentile(90) / 1000.0,
                failover.getValueAtPercentile(99) / 1000.0, failover.getMaxValue() / 1000.0, unknownTotal, unknownMax, -1, -1, -1);
    }

    /** How a sent write ended, from its answer or the lack of one. */
    private static Outcome outcomeOf(Members members, HttpResponse<String> response, Throwable failure) {
        if (failure == null) {
            return members.outcome(response);
        }
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        // Never connected: nothing was sent. Anything else after the request left: it may commit yet.
        return cause instanceof ConnectException ? Outcome.FAILED : Outcome.UNKNOWN;
    }

    /**
     * The client's stream of writes to the leader, one at a time, until the kill: the write in
     * flight then is the one a real client is left not knowing about.
     */
    private static final class Stream implements Runnable {

        private final Members members;
        private final HttpClient http;
        private final int victim;
        private final java.util.concurrent.CountDownLatch flowing = new java.util.concurrent.CountDownLatch(3);
        volatile long killedAt;
        volatile long unknown;

        Stream(Members members, HttpClient http, int victim) {
            this.members = members;
            this.http = http;
            this.victim = victim;
        }

        void awaitFlowing() throws InterruptedException {
            if (!flowing.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                throw new CommandFailedException(members.system() + ": the leader took no writes");
            }
        }

        @Override
        public void run() {
            long n = 0;
            while (killedAt == 0) {
                HttpResponse<String> response = null;
                Throwable failure = null;
                try {
                    response = http.send(members.write(victim, "s-" + n++), HttpResponse.BodyHandlers.ofString());
                } catch (IOException e) {
                    failure = e;
                } catch (InterruptedException e) {
                    return;
                }
                Outcome outcome = outcomeOf(members, response, failure);
                if (killedAt != 0) {
                    unknown += outcome == Outcome.UNKNOWN ? 1 : 0; // in flight at the kill
                } else if (outcome == Outcome.OK) {
                    flowing.countDown();
                }
            }
        }
    }

    /**
     * After the kill: a write every {@link #PROBE_EVERY_NANOS}, to the surviving members in turn,
     * each waited for on its own, so that a member answering late does not hide another that
     * commits early; the same for both systems. Stops sending at the first commit.
     */
    private static final class Probes {

        private final Members members;
        private final HttpClient http;
        private final int[] survivors;
        private final long killedAt;
        private final AtomicLong committedAt = new AtomicLong();
        private long unknown;

        Probes(Members members, HttpClient http, int victim, long killedAt) {
            this.members = members;
            this.http = http;
            this.survivors = java.util.stream.IntStream.range(0, 3).filter(m -> m != victim).toArray();
            this.killedAt = killedAt;
        }

        /** @return when the first write committed (nanoTime), or 0 if none within the wait */
        long run() throws InterruptedException {
            List<java.util.concurrent.CompletableFuture<Outcome>> sent = new ArrayList<>();
            long next = killedAt;
            for (int n = 0; committedAt.get() == 0 && System.nanoTime() - killedAt < WAIT.toNanos(); n++) {
                int member = survivors[n % survivors.length];
                sent.add(http.sendAsync(members.write(member, "p-" + n), HttpResponse.BodyHandlers.ofString())
                        .handle((response, failure) -> {
                            Outcome outcome = outcomeOf(members, response, failure);
                            if (outcome == Outcome.OK) {
                                committedAt.compareAndSet(0, System.nanoTime());
                            }
                            return outcome;
                        }));
                next += PROBE_EVERY_NANOS;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(sleep);
                }
            }
            for (java.util.concurrent.CompletableFuture<Outcome> f : sent) {
                if (f.join() == Outcome.UNKNOWN) {
                    unknown++;
                }
            }
            return committedAt.get();
        }
    }

    private Result healthyRun(Members members, HttpClient http, PrintWriter err) throws Exception {
        long[] before = awaitAllUp(members);
        List<Thread> spinners = new ArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        if (busy) {
            for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                Thread t = new Thread(() -> {
                    long x = 0;
                    while (running.get()) {
                        x += System.nanoTime() % 7;
                    }
                    if (x == 42) {
                        System.out.print(""); // keeps the loop from being optimized away
                    }
                }, "busy-" + i);
                t.setDaemon(true);
                t.start();
                spinners.add(t);
            }
        }
        long writes = 0;
        long start = System.nanoTime();
        long end = start + healthy.toNanos();
        int target = (int) before[0];
        long nextReport = start + 60_000_000_000L;
        try {
            while (System.nanoTime() < end) {
                try {
                    HttpResponse<String> r = http.send(members.write(target, "h-" + writes), HttpResponse.BodyHandlers.ofString());
                    if (members.outcome(r) == Outcome.OK) {
                        writes++;
                    } else {
                        int hint = members.hint(r);
                        target = hint >= 0 ? hint : (target + 1) % 3;
                    }
                } catch (IOException e) {
                    target = (target + 1) % 3;
                }
                if (System.nanoTime() > nextReport) {
                    nextReport += 60_000_000_000L;
                    err.printf(Locale.ROOT, "failover: %s healthy run: %d s, %d writes%n", members.system(), (System.nanoTime() - start) / 1_000_000_000L,
                            writes);
                    err.flush();
                }
            }
        } finally {
            running.set(false);
            for (Thread t : spinners) {
                t.join();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] after = awaitAllUp(members);
        long elections = after[1] - before[1];
        err.printf(Locale.ROOT, "failover: %s healthy run of %.0f s%s: term %d -> %d, %d writes%n", members.system(), seconds, busy ? " with every core busy" : "",
                before[1], after[1], writes);
        return new Result(members.system(), 0, -1, -1, -1, -1, 0, 0, elections, writes, Math.round(seconds));
    }

    /** Waits until every member answers and all agree on a leader; returns it and its term. */
    private static long[] awaitAllUp(Members members) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            long[] leader = members.leader();
            if (leader != null) {
                return leader;
            }
            Thread.sleep(20); // polling while members start and elect
        }
        throw new CommandFailedException(members.system() + ": the members did not agree on a leader within " + WAIT.toSeconds() + " s");
    }

    private void print(PrintWriter out, List<Result> results) throws IOException {
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("heartbeatIntervalMs", heartbeat.toMillis());
            doc.put("electionTimeoutMs", electionTimeout.toMillis());
            doc.put("results", results);
            out.print(Json.line(doc));
            out.flush();
            return;
        }
        out.printf(Locale.ROOT, "heartbeat %d ms, election timeout %d ms%n", heartbeat.toMillis(), electionTimeout.toMillis());
        if (healthy != null) {
            out.printf("%-6s %9s %10s %9s%n", "system", "seconds", "elections", "writes");
            for (Result r : results) {
                out.printf(Locale.ROOT, "%-6s %9.0f %10d %9d%n", r.system(), r.healthySeconds(), r.healthyElections(), r.healthyWrites());
            }
        } else {
            out.printf("%-6s %6s %9s %9s %9s %9s %9s %9s%n", "system", "kills", "p50 ms", "p90 ms", "p99 ms", "max ms", "unknown", "max/kill");
            for (Result r : results) {
                out.printf(Locale.ROOT, "%-6s %6d %9.1f %9.1f %9.1f %9.1f %9d %9d%n", r.system(), r.kills(), r.p50Ms(), r.p90Ms(), r.p99Ms(), r.maxMs(),
                        r.unknownWrites(), r.maxUnknownPerKill());
            }
            if (results.size() == 2) {
                Result a = results.get(0);
                Result b = results.get(1);
                out.printf(Locale.ROOT, "repl/etcd: p50 %.2fx, p99 %.2fx%n", a.p50Ms() / b.p50Ms(), a.p99Ms() / b.p99Ms());
            }
        }
        out.flush();
    }

    /** repl members, told the bench's timings. */
    private final class Repl implements Members {

        private final ReplPeerCluster cluster;

        Repl(Path root) throws IOException {
            cluster = new ReplPeerCluster(root, List.of("--heartbeat-interval", heartbeat.toMillis() + "ms",
                    "--election-timeout", electionTimeout.toMillis() + "ms"));
            for (int m = 0; m < 3; m++) {
                cluster.start(m);
            }
        }

        @Override
        public String system() {
            return "repl";
        }

        @Override
        public long[] leader() throws InterruptedException {
            long[] found = null;
            JsonNode[] all = new JsonNode[3];
            for (int m = 0; m < 3; m++) {
                all[m] = cluster.status(m, Duration.ofSeconds(1));
                if (all[m] == null) {
                    return null;
                }
                if (all[m].path("role").asText().equals("leader")) {
                    found = new long[] {m, all[m].path("election").path("term").asLong()};
                }
            }
            if (found == null) {
                return null;
            }
            for (JsonNode s : all) {
                if (!s.path("election").path("leader").asText().equals(ReplPeerCluster.id((int) found[0]))
                        || s.path("election").path("term").asLong() != found[1]) {
                    return null;
                }
            }
            return found;
        }

        @Override
        public void kill(int member) throws InterruptedException {
            cluster.kill(member);
        }

        @Override
        public void restart(int member) {
            cluster.start(member);
        }

        @Override
        public HttpRequest write(int member, String key) {
            return cluster.write(member, key, new byte[] {'v'}, REQUEST);
        }

        @Override
        public Outcome outcome(HttpResponse<String> r) {
            return r.statusCode() == 200 ? Outcome.OK : r.statusCode() == 503 ? Outcome.FAILED : Outcome.UNKNOWN;
        }

        @Override
        public int hint(HttpResponse<String> r) {
            if (r.statusCode() != 503) {
                return -1;
            }
            try {
                String leader = Json.mapper().readTree(r.body()).path("leader").asText();
                for (int m = 0; m < 3; m++) {
                    if (cluster.clientAddress(m).equals(leader)) {
                        return m;
                    }
                }
            } catch (IOException e) {
                // no hint
            }
            return -1;
        }

        @Override
        public void close() {
            cluster.close();
        }
    }

    /** etcd members, told the same timings (etcd takes whole milliseconds). */
    private final class Etcd implements Members {

        private final EtcdKvCluster cluster;

        Etcd(String binary, Path root, PrintWriter err) throws IOException, InterruptedException {
            cluster = new EtcdKvCluster(binary, root, List.of("--heartbeat-interval", Long.toString(heartbeat.toMillis()),
                    "--election-timeout", Long.toString(electionTimeout.toMillis())), err);
        }

        @Override
        public String system() {
            return "etcd";
        }

        @Override
        public long[] leader() throws InterruptedException {
            long[] found = null;
            long term = -1;
            for (int m = 0; m < 3; m++) {
                long[] s = cluster.status(m, Duration.ofSeconds(1));
                if (s == null || s[2] == 0 || term >= 0 && s[0] != term) {
                    return null;
                }
                term = s[0];
                if (s[1] == 1) {
                    found = new long[] {m, s[0]};
                }
            }
            return found;
        }

        @Override
        public void kill(int member) throws InterruptedException {
            cluster.kill(member);
        }

        @Override
        public void restart(int member) throws IOException {
            cluster.restart(member);
        }

        @Override
        public HttpRequest write(int member, String key) {
            return cluster.write(member, key, new byte[] {'v'}, REQUEST);
        }

        @Override
        public Outcome outcome(HttpResponse<String> r) {
            if (r.statusCode() == 200 && !r.body().contains("\"error\"")) {
                return Outcome.OK;
            }
            // "no leader": refused before it was proposed; "leader changed" or a timeout: it may yet commit.
            return r.body().contains("no leader") ? Outcome.FAILED : Outcome.UNKNOWN;
        }

        @Override
        public int hint(HttpResponse<String> r) {
            return -1; // a follower forwards writes to its leader itself
        }

        @Override
        public void close() {
            cluster.close();
        }
    }
}
