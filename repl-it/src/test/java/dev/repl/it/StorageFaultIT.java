package dev.repl.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Storage faults under real member processes: every member of an elected cluster keeps its data
 * directory on a faultfs mount of its own ({@code scripts/faultfs.py}), which cuts the power,
 * fails fsyncs with EIO, runs out of space or slows fsyncs down while writes flow. Needs root
 * and FUSE (with {@code CI} set it requires them; elsewhere it skips saying what is missing).
 * The power cut prints its seed first; replay it with
 * {@code -Dstorage.seed=SEED -Dstorage.runs=N} (or {@code scripts/storage-drill.sh N SEED});
 * the slow disk lasts {@code -Dstorage.slowSeconds} (default 10) on each member.
 */
class StorageFaultIT {

    private static final Duration START = PeerCluster.START;
    private static final Path SELF_TEST = FaultFs.SCRIPT.resolveSibling("faultfs_test.py");

    /** First registered, so last to check after a test: the mounts are gone and their nodes stopped by then. */
    @RegisterExtension
    @Order(1)
    final ReplLauncher repl = new ReplLauncher();

    @RegisterExtension
    @Order(2)
    final FaultMounts mounts = new FaultMounts(repl);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The harness itself: faultfs tears unsynced pages, keeps fsynced ones, and injects each fault (scripts/faultfs_test.py). */
    @Test
    void faultFsRollsFilesBackToTheirLastFsyncAndInjectsEachFault() throws Exception {
        Path out = repl.dir().resolve("faultfs_test.out");
        Process test = new ProcessBuilder(FaultFs.PYTHON, SELF_TEST.toString(), "10").redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean exited = test.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            test.destroyForcibly().waitFor();
        }
        String output = Files.readString(out);
        assertTrue(exited && test.exitValue() == 0, "faultfs_test.py: " + output);
        assertTrue(output.contains(" passed, 0 failed"), output);
    }

    /**
     * A three-member cluster under concurrent writers; at one instant every member is frozen
     * (SIGSTOP), killed (SIGKILL), and its file system loses what was not fsynced, torn page by
     * page as the seed draws it; then every member is started again. Repeated for several cuts,
     * each drawn from the seed printed first.
     */
    @Test
    void powerCutOfEveryMemberLosesNoAcknowledgedWrite() throws Exception {
        long seed = Long.getLong("storage.seed", new SplittableRandom().nextLong() & Long.MAX_VALUE);
        int runs = Integer.getInteger("storage.runs", 3);
        System.out.println("storage: power cut, seed " + seed + ", " + runs + " cuts; replay with -Dstorage.seed=" + seed
                + " -Dstorage.runs=" + runs + " (scripts/storage-drill.sh " + runs + " " + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        FaultFs[] fs = mounts.mountEach(3);
        // Small segments and frequent snapshots: the cut also finds files being created, renamed and removed.
        PeerCluster c = new PeerCluster(repl, 3).dataDirs(i -> fs[i].mount())
                .args("--segment-bytes", "16384", "--snapshot-every", "150", "--retain", "50").start();
        Map<String, String> acknowledged = new TreeMap<>();
        for (int run = 1; run <= runs; run++) {
            long cutSeed = random.nextLong() & Long.MAX_VALUE;
            // fsyncs that take a few ms, so the cut finds written and not yet synced data more often
            int fsyncMs = 2 + random.nextInt(20);
            int writes = 100 + random.nextInt(400);
            String where = "seed " + seed + ", cut " + run + " (its seed " + cutSeed + ")";
            for (FaultFs f : fs) {
                f.slowFsync(fsyncMs);
            }
            int leader = c.awaitLeader();
            // One write as a user makes it: `repl put` exits 0 once the write is committed.
            ReplProcess put = repl.run(START, "put", "cli-" + run, "v" + cutSeed, "--endpoints", c.endpoints());
            assertEquals(0, put.exitCode(), where + ": repl put: " + put.stderr());
            acknowledged.put("cli-" + run, "v" + cutSeed);
            PeerWriters writers = new PeerWriters(c, 4, "c" + run + "-", leader);
            try {
                await(where + ": " + writes + " writes acknowledged").atMost(START).until(() -> writers.acknowledgedCount() >= writes);
                writers.stopSoon();
                // The instant of the cut: no fsync completes after it, so nothing is acknowledged after it either.
                for (FaultFs f : fs) {
                    f.powerOff();
                }
                signalAll("STOP", c.nodes);
                for (ReplProcess node : c.nodes) {
                    node.kill();
                }
            } finally {
                writers.close();
            }
            acknowledged.putAll(writers.acknowledged());
            System.out.printf("storage: %s: leader %s, %d writes acknowledged (answers %s), fsync +%d ms%n", where, PeerCluster.id(leader),
                    writers.acknowledgedCount(), writers.answers(), fsyncMs);
            for (int i = 0; i < fs.length; i++) {
                fs[i].heal();
                System.out.println("storage:   " + PeerCluster.id(i) + ": " + fs[i].powerCut(cutSeed + i).substring(3));
            }
            for (int i = 0; i < c.size; i++) {
                startOrFail(c, i, where);
            }
            int elected = c.awaitLeader();
            for (int i = 0; i < c.size; i++) {
                String id = PeerCluster.id(i);
                c.nodes[i].stderr().lines().filter(l -> l.contains("torn") || l.contains("WARN") && l.contains("log"))
                        .forEach(l -> System.out.println("storage:   " + id + " started: " + l));
            }
            List<String> lost = lost(c, acknowledged);
            assertEquals(List.of(), lost, where + ": every write acknowledged before the cuts is read back from the leader "
                    + PeerCluster.id(elected) + " (" + acknowledged.size() + " acknowledged)");
        }
        ReplProcess get = repl.run(START, "get", "cli-1", "--endpoints", c.endpoints());
        assertEquals(0, get.exitCode(), "seed " + seed + ": repl get cli-1: " + get.stderr());
        assertEquals(acknowledged.get("cli-1"), get.stdout().strip(), "seed " + seed + ": repl get cli-1 after " + runs + " cuts");
        c.awaitConverged();
    }

    /** fsync fails with EIO on a follower, then on the leader. */
    @Test
    void memberWhoseFsyncFailsStopsTakingWritesSaysWhyAndCatchesUpOnAWorkingDisk() throws Exception {
        diskFault("fsync fails", FaultFs::failFsync, "Input/output error");
    }

    /** Writes fail with ENOSPC on a follower, then on the leader. */
    @Test
    void memberWhoseDiskIsFullStopsTakingWritesSaysWhyAndCatchesUpOnAWorkingDisk() throws Exception {
        diskFault("disk full", FaultFs::fillDisk, "No space left on device");
    }

    /**
     * One member's disk fails while writes flow: it stops taking writes, says why in /health and
     * its log, the others carry on (electing a new leader when it led), nothing acknowledged is
     * lost, and restarted on a working disk it catches up. A follower first, then the leader.
     */
    private void diskFault(String what, Function<FaultFs, String> fault, String reason) throws Exception {
        FaultFs[] fs = mounts.mountEach(3);
        PeerCluster c = new PeerCluster(repl, 3).dataDirs(i -> fs[i].mount()).start();
        int leader = c.awaitLeader();
        try (PeerWriters writers = new PeerWriters(c, 2, "", leader)) {
            awaitMoreWrites(writers, 20, "writes before the fault");
            int follower = (leader + 1) % c.size;
            failAndRecover(c, fs, writers, follower, what, fault, reason);
            assertEquals(leader, c.awaitLeader(), "the leader stays while a follower's disk fails");

            int next = failAndRecover(c, fs, writers, leader, what, fault, reason);
            assertEquals(next, c.awaitLeader(), "the returning member deposed nobody");
            writers.close();
            System.out.printf("storage: %s: %d writes acknowledged, answers %s%n", what, writers.acknowledgedCount(), writers.answers());
            List<String> lost = lost(c, writers.acknowledged());
            assertEquals(List.of(), lost, what + ": every acknowledged write is read back from the leader");
            c.awaitConverged();
        }
    }

    /** Fails member {@code m}'s disk, checks what a user sees, then restarts it on a working disk; returns the leader then. */
    private int failAndRecover(PeerCluster c, FaultFs[] fs, PeerWriters writers, int m, String what, Function<FaultFs, String> fault,
            String reason) {
        String id = PeerCluster.id(m);
        boolean led = c.status(m).path("role").asText().equals("leader");
        String who = what + " on " + (led ? "the leader " : "a follower ") + id;
        System.out.println("storage: " + who + ": " + fault.apply(fs[m]));
        await(who + ": /health to answer 503 with the reason").atMost(START).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    String[] health = health(c, m);
                    return health[0].equals("503") && health[1].contains(reason);
                });
        String[] health = health(c, m);
        System.out.println("storage: " + who + ": /health " + health[0] + " " + health[1].strip());
        String line = c.nodes[m].awaitLog(reason, START).stderr().lines().filter(l -> l.contains(reason)).findFirst().orElseThrow();
        System.out.println("storage: " + who + ": its log: " + line);

        int leader = led ? c.awaitNewLeader(m, m) : c.awaitLeader();
        if (led) {
            System.out.println("storage: " + who + ": " + PeerCluster.id(leader) + " leads now, in term " + c.term(leader));
        }
        long stuckAt = c.status(m).path("log").path("lastIndex").asLong();
        awaitMoreWrites(writers, 50, who + ": the others take writes");
        assertEquals(stuckAt, c.status(m).path("log").path("lastIndex").asLong(), who + ": its log takes nothing more");
        if (led) {
            try {
                KvCluster.Answer refused = c.put(m, "to-" + id, "x");
                assertEquals(503, refused.status(), who + ": a write sent to it is refused: " + refused.body());
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(who + ": it no longer answers writes: " + e, e);
            }
        }

        // The operator's way out: stop it, give it a working disk, start it again.
        c.nodes[m].stop();
        int exit = c.nodes[m].exitCode();
        if (exit != 143) {
            System.out.println("storage: " + who + ": SIGTERM did not stop it within 5 s (exit " + exit + ")");
        }
        fs[m].heal();
        c.start(m);
        long target = c.status(leader).path("log").path("commitIndex").asLong();
        await(who + ": restarted on a working disk, it catches up to index " + target).atMost(START).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    JsonNode s = c.status(m);
                    return s != null && s.path("log").path("appliedIndex").asLong() >= target && health(c, m)[0].equals("200");
                });
        awaitMoreWrites(writers, 20, who + ": writes after its return");
        return leader;
    }

    /**
     * A follower's fsyncs take 200 ms for a while, then the leader's: no member may call an
     * election (the leader and its term stay). Write latencies are printed, never asserted.
     */
    @Test
    void slowDiskCausesNoElection() throws Exception {
        Duration period = Duration.ofSeconds(Long.getLong("storage.slowSeconds", 10));
        FaultFs[] fs = mounts.mountEach(3);
        PeerCluster c = new PeerCluster(repl, 3).dataDirs(i -> fs[i].mount()).start();
        int leader = c.awaitLeader();
        long term = c.term(leader);
        try (PeerWriters writers = new PeerWriters(c, 2, "", leader)) {
            awaitMoreWrites(writers, 20, "writes before the slow disk");
            writers.latencies();
            await("a baseline").during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(() -> true);
            System.out.println("storage: healthy disks, 5 s: " + PeerWriters.describe(writers.latencies()));
            List<String> elections = new ArrayList<>();
            for (int m : new int[] {(leader + 1) % c.size, leader}) {
                String who = (m == leader ? "the leader " : "a follower ") + PeerCluster.id(m);
                fs[m].slowFsync(200);
                await(who + "'s disk slow for " + period.toSeconds() + " s").during(period).atMost(period.plusSeconds(10))
                        .pollInterval(Duration.ofMillis(250)).until(() -> {
                            watchForElections(c, leader, term, who, elections);
                            return true;
                        });
                fs[m].heal();
                Histogram h = writers.latencies();
                System.out.println("storage: fsync +200 ms on " + who + ", " + period.toSeconds() + " s: " + PeerWriters.describe(h));
            }
            System.out.println("storage: writes by answer: " + writers.answers());
            assertEquals(List.of(), elections, "no election while a disk is slow (leader " + PeerCluster.id(leader) + ", term " + term + ")");
        }
    }

    /** Records each member that answers with another leader or term than at the start, and why it changed. */
    private static void watchForElections(PeerCluster c, int leader, long term, String who, List<String> elections) {
        for (int i = 0; i < c.size; i++) {
            JsonNode s = c.status(i);
            if (s == null) {
                continue;
            }
            JsonNode election = s.path("election");
            long t = election.path("term").asLong();
            String l = election.path("leader").asText();
            if (t != term || !l.equals(PeerCluster.id(leader))) {
                String state = "while " + who + "'s disk was slow, " + PeerCluster.id(i) + " is " + s.path("role").asText() + " in term " + t;
                String seen = state + " with leader " + l + "; last election: " + election.path("lastElection");
                if (elections.stream().noneMatch(e -> e.startsWith(state))) {
                    elections.add(seen);
                    System.out.println("storage: " + seen);
                }
            }
        }
    }

    private static void awaitMoreWrites(PeerWriters writers, int more, String what) {
        int before = writers.acknowledgedCount();
        await(what + ": " + more + " more writes acknowledged").atMost(START).until(() -> writers.acknowledgedCount() >= before + more);
    }

    /** Starts member {@code i} again; fails naming it, the cut and the line it refused with if it does not start. */
    private static void startOrFail(PeerCluster c, int i, String where) {
        try {
            c.start(i);
        } catch (RuntimeException e) {
            String stderr = c.nodes[i] == null ? "" : c.nodes[i].stderr();
            String refusal = stderr.lines().filter(l -> l.startsWith("repl:") || l.contains("ERROR")).reduce((a, b) -> b).orElse(e.getMessage());
            fail(where + ": " + PeerCluster.id(i) + " did not start after the cut: " + refusal, e);
        }
    }

    /** The acknowledged writes that the leader does not read back with their values (linearizable reads). */
    private static List<String> lost(PeerCluster c, Map<String, String> acknowledged) throws Exception {
        int leader = c.awaitLeader();
        List<String> lost = new ArrayList<>();
        for (Map.Entry<String, String> write : acknowledged.entrySet()) {
            KvCluster.Answer read = c.get(leader, write.getKey(), false);
            if (read.status() != 200 || !read.body().equals(write.getValue())) {
                lost.add(write.getKey() + "=" + write.getValue() + " read " + read.status() + " " + read.body());
                if (lost.size() == 20) {
                    lost.add("...");
                    break;
                }
            }
        }
        return lost;
    }

    /** A member's {@code GET /health}: its status code and body ("0" and the error when it does not answer). */
    private String[] health(PeerCluster c, int m) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.adminPorts[m] + "/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return new String[] {Integer.toString(r.statusCode()), r.body()};
        } catch (IOException e) {
            return new String[] {"0", e.toString()};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new String[] {"0", e.toString()};
        }
    }

    /** Sends {@code signal} to every node with one kill(1), so that they all get it at one instant. */
    private static void signalAll(String signal, ReplProcess[] nodes) {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        for (ReplProcess node : nodes) {
            command.add(Long.toString(node.pid()));
        }
        try {
            int code = new ProcessBuilder(command).inheritIO().start().waitFor();
            assertEquals(0, code, String.join(" ", command));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
