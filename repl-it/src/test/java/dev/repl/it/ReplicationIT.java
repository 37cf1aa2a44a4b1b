package dev.repl.it;

import static dev.repl.it.KvCluster.START;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The replicated log and its key-value store across real processes: the API, catch-up, snapshots, and durability under SIGKILL. */
class ReplicationIT {

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void clientsFindTheLeaderThroughTheirEndpointsAndNeverCallARefusalUnknown() throws Exception {
        KvCluster cluster = new KvCluster(repl, 2).start();
        String nobody = "127.0.0.1:" + ReplLauncher.freePort();
        String followers = cluster.endpoint(2) + "," + cluster.endpoint(1);
        ReplProcess put = repl.run(START, "put", "k", "v1", "--endpoints", nobody + "," + followers);
        assertEquals(0, put.exitCode(), "past a dead endpoint, through a follower's hint: " + put.stderr());
        ReplProcess get = repl.run(START, "get", "k", "--endpoints", followers);
        assertEquals("v1", get.stdout().strip(), get.stderr());

        cluster.nodes[0].kill();
        // The followers still point at the leader, whose port now refuses: nothing was sent, so this failed, and says so.
        ReplProcess refused = repl.run(START, "put", "k", "v2", "--endpoints", followers, "--timeout", "2s");
        assertEquals(3, refused.exitCode(), refused.stdout() + refused.stderr());
        assertEquals(1, refused.stderr().lines().count(), refused.stderr());
        assertTrue(refused.stderr().startsWith("repl: put k: ") && !refused.stderr().contains("unknown"), refused.stderr());

        cluster.start(0);
        ReplProcess again = repl.run(START, "put", "k", "v3", "--endpoints", followers, "--timeout", "20s");
        assertEquals(0, again.exitCode(), "once the leader is back, the same endpoints reach it: " + again.stderr());
        assertEquals("v3", repl.run(START, "get", "k", "--endpoints", followers).stdout().strip());
    }

    @Test
    void threeNodesServeTheKeyValueApiAndAFollowerPointsToTheLeader() throws Exception {
        KvCluster cluster = new KvCluster(repl, 2).start();
        ReplProcess put = repl.run(START, "put", "greeting", "hello", "--endpoint", cluster.endpoint(0));
        assertEquals(0, put.exitCode(), put.stderr());
        assertTrue(put.stdout().startsWith("ok: committed at index "), put.stdout());
        ReplProcess get = repl.run(START, "get", "greeting", "--endpoint", cluster.endpoint(0));
        assertEquals("hello", get.stdout().strip());

        ReplProcess viaFollower = repl.run(START, "put", "other", "x", "--endpoint", cluster.endpoint(1));
        assertEquals(0, viaFollower.exitCode(), "a follower's answer points the client to the leader: " + viaFollower.stderr());

        ReplProcess cas = repl.run(START, "cas", "greeting", "hello", "bye", "--endpoint", cluster.endpoint(0));
        assertEquals(0, cas.exitCode(), cas.stderr());
        ReplProcess refused = repl.run(START, "cas", "greeting", "hello", "again", "--endpoint", cluster.endpoint(0));
        assertEquals(1, refused.exitCode());
        assertEquals("repl: cas greeting: the value is 'bye', not 'hello'", refused.stderr().strip());

        cluster.awaitConverged();
        ReplProcess stale = repl.run(START, "get", "greeting", "--stale", "--endpoint", cluster.endpoint(2));
        assertEquals("bye", stale.stdout().strip(), "a follower serves stale reads from what it applied");
        ReplProcess notStale = repl.run(START, "get", "greeting", "--endpoint", cluster.endpoint(2));
        assertEquals("bye", notStale.stdout().strip(), "a read sent to a follower is answered by the leader");

        ReplProcess del = repl.run(START, "del", "greeting", "--endpoint", cluster.endpoint(0));
        assertEquals(0, del.exitCode(), del.stderr());
        ReplProcess gone = repl.run(START, "get", "greeting", "--endpoint", cluster.endpoint(0));
        assertEquals(1, gone.exitCode());

        KvCluster.Answer big = cluster.put(0, "big", "x".repeat(1_100_000));
        assertEquals(413, big.status(), "a value no replication frame could carry is refused");
        assertTrue(big.json().path("error").asText().startsWith("the value is larger than this cluster takes"), big.body());

        JsonNode follower = Json.follower(cluster.status(0), "follower-1");
        assertTrue(follower.path("replication").path("matchIndex").asLong() >= 5, follower.toString());
        assertEquals(0, follower.path("replication").path("lagRecords").asLong(), follower.toString());
        ReplProcess table = repl.run(START, "status", "--admin", "127.0.0.1:" + cluster.adminPorts[0]);
        assertTrue(table.stdout().contains("MATCH") && table.stdout().contains("LAG"), table.stdout());

        String metrics = Cluster.get("127.0.0.1:" + cluster.adminPorts[0], "/metrics");
        for (String family : new String[] {"repl_log_fsync_seconds_bucket{le=\"+Inf\"}", "repl_log_batch_entries_count",
            "repl_log_index{kind=\"commit\"}", "repl_follower_lag_records{follower=\"follower-1\"}",
            "repl_follower_inflight_bytes{follower=\"follower-2\"}"}) {
            assertTrue(metrics.contains(family), family + " in " + metrics);
        }
        Promtool.assertAccepts(metrics);
    }

    /**
     * Concurrent writers; the leader and a follower killed with SIGKILL at random moments and
     * restarted on their data directories. Every write answered 200 must be there afterwards, on
     * every node, and every node must hold the same log.
     */
    @Test
    void noAcknowledgedWriteIsLostWhenTheLeaderAndAFollowerAreKilled() throws Exception {
        KvCluster cluster = new KvCluster(repl, 2).start();
        long seed = Long.getLong("durability.seed", new SplittableRandom().nextLong());
        SplittableRandom random = new SplittableRandom(seed);
        System.out.println("durability: seed " + seed + "; replay with -Ddurability.seed=" + seed);
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger unknown = new AtomicInteger();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                for (int i = 0; writing.get(); i++) {
                    String key = "w" + writer + "-" + i;
                    String value = "v" + i;
                    try {
                        KvCluster.Answer answer = cluster.put(0, key, value);
                        if (answer.status() == 200) {
                            acknowledged.put(key, value);
                        } else if (answer.status() == 504) {
                            unknown.incrementAndGet();
                        }
                    } catch (IOException e) {
                        // The leader is down: this write was never answered, so nothing is promised.
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "writer-" + w);
            t.start();
            writers.add(t);
        }
        try {
            // The leader and a follower each at least once, in an order and at moments drawn from the seed.
            List<Integer> victims = new ArrayList<>(List.of(0, 1 + random.nextInt(2), random.nextInt(3)));
            Collections.shuffle(victims, new Random(seed));
            for (int victim : victims) {
                int before = acknowledged.size();
                await("writes to be acknowledged").atMost(START).until(() -> acknowledged.size() > before + 50 + random.nextInt(200));
                cluster.nodes[victim].kill();
                cluster.start(victim);
            }
            int before = acknowledged.size();
            await("writes after the last restart").atMost(START).until(() -> acknowledged.size() > before + 50);
        } finally {
            writing.set(false);
            for (Thread t : writers) {
                t.join(30_000);
            }
        }
        cluster.awaitConverged();
        System.out.printf("durability: seed %d, %d writes acknowledged, %d of unknown outcome%n", seed, acknowledged.size(), unknown.get());
        for (int node = 0; node < cluster.size; node++) {
            for (Map.Entry<String, String> write : acknowledged.entrySet()) {
                KvCluster.Answer read = cluster.get(node, write.getKey(), node != 0);
                assertEquals(200, read.status(), "seed " + seed + ": acknowledged write " + write.getKey() + " on " + KvCluster.name(node));
                assertEquals(write.getValue(), read.body(), "seed " + seed + ": its value on " + KvCluster.name(node));
            }
        }
    }

    @Test
    void followerThatWasDownCatchesUpAndAnEmptyOneIsSentASnapshot() throws Exception {
        KvCluster cluster = new KvCluster(repl, 2).leaderArgs("--snapshot-every", "100", "--retain", "20").start();
        cluster.nodes[2].stop();
        for (int i = 0; i < 300; i++) {
            assertEquals(200, cluster.put(0, "k" + i, "v" + i).status());
        }
        JsonNode lagging = Json.follower(cluster.status(0), "follower-2").path("replication");
        assertTrue(lagging.path("lagRecords").asLong() >= 300, lagging.toString());
        assertTrue(lagging.path("lagBytes").asLong() > 0, lagging.toString());

        // Its data directory gone, it restarts empty: what the leader no longer keeps comes as a snapshot.
        try (Stream<Path> files = Files.walk(cluster.dataDir(2))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        cluster.start(2).awaitLog("installed the leader's snapshot at index", START);
        cluster.awaitConverged();
        assertEquals("v299", cluster.get(2, "k299", true).body());
        assertEquals("v3", cluster.get(2, "k3", true).body());
        await().atMost(START).until(() -> Json.follower(cluster.status(0), "follower-2").path("replication").path("lagRecords").asLong() == 0);
    }

    @Test
    void dataDirOfAnotherClusterAndADamagedLogStopTheStartWithOneLine() throws Exception {
        KvCluster cluster = new KvCluster(repl, 1).start();
        for (int i = 0; i < 20; i++) {
            assertEquals(200, cluster.put(0, "k" + i, "v" + i).status());
        }
        cluster.nodes[1].stop();
        Path dir = cluster.dataDir(1);
        ReplProcess other = repl.run(START, "node", "--role", "follower", "--port", "0", "--name", "follower-1", "--data-dir", dir.toString(),
                "--cluster-id", "staging");
        assertEquals(3, other.exitCode());
        assertEquals("repl: follower-1: cannot use data dir " + dir + ": data dir " + dir + " belongs to cluster 'repl', not 'staging'"
                + " (--cluster-id)", other.stderr().lines().filter(l -> l.startsWith("repl:")).findFirst().orElse(other.stderr()));

        Path segment;
        try (Stream<Path> files = Files.list(dir.resolve("log"))) {
            segment = files.filter(f -> f.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(30);
            int b = file.read();
            file.seek(30);
            file.write(b ^ 1);
        }
        ReplProcess damaged = repl.run(START, "node", "--role", "follower", "--port", "0", "--name", "follower-1", "--data-dir", dir.toString());
        assertEquals(3, damaged.exitCode());
        String line = damaged.stderr().lines().filter(l -> l.startsWith("repl:")).findFirst().orElse(damaged.stderr());
        assertTrue(line.startsWith("repl: follower-1: cannot use data dir " + dir + ": " + segment + " is corrupt at offset "), line);
    }

    @Test
    void leaderWhoseDiskIsFullTakesNoMoreWritesAndAcknowledgesNothingItCouldNotMakeDurable() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        org.junit.jupiter.api.Assumptions.assumeTrue(root || System.getenv("CI") != null, "needs root to mount a small tmpfs");
        KvCluster cluster = new KvCluster(repl, 2).leaderArgs("--segment-bytes", "4096");
        Path small = cluster.dataDir(0);
        Files.createDirectories(small);
        mount(small);
        try {
            cluster.start();
            String value = "x".repeat(2000);
            Map<String, String> acknowledged = new ConcurrentHashMap<>();
            KvCluster.Answer last = null;
            for (int i = 0; i < 2000; i++) {
                last = cluster.put(0, "k" + i, value);
                if (last.status() == 200) {
                    acknowledged.put("k" + i, value);
                } else {
                    break;
                }
            }
            assertTrue(last != null && last.status() != 200, "the disk filled up");
            KvCluster.Answer refused = cluster.put(0, "after", "x");
            assertEquals(503, refused.status(), refused.body());
            assertTrue(refused.json().path("error").asText().contains("No space left on device"), refused.body());
            assertTrue(refused.json().path("error").asText().endsWith("this node takes no writes"), refused.body());
            assertTrue(Cluster.get("127.0.0.1:" + cluster.adminPorts[0], "/livez").startsWith("ok"));
            // What the leader acknowledged is committed: durable on a quorum, and shipped to every follower from there.
            long committed = cluster.status(0).path("log").path("commitIndex").asLong();
            assertTrue(committed >= acknowledged.size() + 1, "every acknowledged write is committed (and the term's no-op)");
            for (int follower = 1; follower < cluster.size; follower++) {
                int node = follower;
                await().atMost(START).until(() -> cluster.status(node).path("log").path("appliedIndex").asLong() >= committed);
                for (String key : acknowledged.keySet()) {
                    assertEquals(200, cluster.get(node, key, true).status(), key + " on " + KvCluster.name(node));
                }
            }
        } finally {
            for (ReplProcess node : cluster.nodes) {
                if (node != null) {
                    node.stop();
                }
            }
            new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
        }
    }

    private static void mount(Path dir) throws IOException, InterruptedException {
        int code = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir.toString()).inheritIO().start().waitFor();
        assertEquals(0, code, "mount a 256 KiB tmpfs at " + dir);
    }
}
