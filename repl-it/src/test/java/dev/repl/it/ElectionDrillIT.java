package dev.repl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.repl.it.linearizability.History;
import dev.repl.it.linearizability.LinearizabilityChecker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Members that elect their leader, on separate hosts, under real faults — the leader isolated, a
 * follower isolated, one-way drop, loss, the leader killed and restarted, the leader frozen and
 * resumed, a rolling restart — while clients on a host of their own put, get and compare-and-set
 * and a writer writes keys once each. Replay with the seed it prints:
 * {@code mvn -B -pl repl-it verify -Dit.test=ElectionDrillIT -Delection.seed=SEED [-Delection.faults=1000]
 * [-Delection.perHistory=10] [-Delection.holdMs=2000] [-Delection.args="--heartbeat-interval 40ms --election-timeout 200ms"]}.
 * Asserted, each failure naming the seed: every history is linearizable, no acknowledged write is
 * lost, a fault on the leader is followed by another leader, and every heal by one leader that
 * every member follows with the same log; nothing is left behind.
 */
class ElectionDrillIT {

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void leaderFaultsLoseNothingAndEveryHistoryIsLinearizable() throws Exception {
        String missing = Netns.missingPrerequisite();
        if (missing != null && System.getenv("CI") != null) {
            fail(missing + "; .ci/run installs them and runs as root");
        }
        assumeTrue(missing == null, missing);
        long seed = Long.getLong("election.seed", new SplittableRandom().nextLong() & Long.MAX_VALUE);
        int faults = Integer.getInteger("election.faults", 14);
        int perHistory = Integer.getInteger("election.perHistory", 7);
        List<String> args = Arrays.asList(System.getProperty("election.args", "--heartbeat-interval 100ms --election-timeout 1s").split(" "));
        System.out.println("election drill: seed " + seed + ", " + faults + " faults, " + args + "; replay with -Delection.seed=" + seed);
        Netns.sweep();

        ElectionDrill drill;
        String prefix;
        List<String> lost;
        List<History> histories;
        String writes;
        try (NetnsPeers cluster = new NetnsPeers(repl, 3, args)) {
            cluster.start();
            prefix = cluster.prefix();
            drill = new ElectionDrill(cluster, seed, Long.getLong("election.holdMs", 2_000));
            try (ElectionClients clients = new ElectionClients(cluster, seed)) {
                drill.run(faults, perHistory, clients, System.out);
                clients.close();
                int leader = cluster.agreedLeader();
                assertTrue(leader >= 0, "seed " + seed + ": a leader at the end");
                lost = clients.lostWrites(leader);
                histories = clients.histories();
                writes = "writer's answers: " + clients.writerAnswers() + ", acknowledged " + clients.acknowledgedCount() + ", lost " + lost.size()
                        + "\ncalls by outcome in " + histories.size() + " histories: " + clients.outcomes() + "\n";
            }
        }
        List<String> verdicts = new ArrayList<>();
        List<LinearizabilityChecker.Result> violations = new ArrayList<>();
        int undecided = 0;
        for (History h : histories) {
            LinearizabilityChecker.Result r = LinearizabilityChecker.check(h);
            verdicts.add(r.verdict().name());
            if (r.verdict() == LinearizabilityChecker.Verdict.VIOLATION) {
                violations.add(r);
            } else if (!r.isOk()) {
                undecided++;
            }
        }
        String report = drill.table() + writes + "histories: " + (histories.size() - violations.size() - undecided) + " linearizable, "
                + violations.size() + " violations, " + undecided + " undecided\n";
        System.out.println("election drill: seed " + seed + "\n" + report);
        Path file = Path.of(System.getProperty("repl.work", "target/it-work")).resolve("election-drill-report.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "seed " + seed + ", " + args + "\n" + report);

        assertTrue(Netns.namespaces().stream().noneMatch(ns -> ns.startsWith(prefix)), "every namespace of the run is gone");
        assertEquals(List.of(), violations.stream().map(LinearizabilityChecker.Result::toString).toList(),
                "seed " + seed + ": every history is linearizable");
        assertEquals(0, undecided, "seed " + seed + ": every history was decided within the checker's budget: " + verdicts);
        assertTrue(lost.isEmpty(), "seed " + seed + ": every acknowledged write is there; lost: " + lost);
        for (ElectionDrill.Outcome o : drill.outcomes()) {
            assertTrue(o.failoverMs() >= 0, "seed " + seed + ": another member was elected: " + o);
            assertTrue(o.recoveredMs() >= 0, "seed " + seed + ": one leader and one log after the heal: " + o);
        }
    }
}
