package dev.repl.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * A reproducible schedule of faults over members that elect their leader ({@link NetnsPeers}),
 * while {@link ElectionClients} keep writing and reading. From a seed it draws each fault and its
 * victim, injects it, and for a fault on the leader waits until the others have elected another;
 * it then heals the fault and waits until every member agrees on one leader and has applied the
 * same log. Safety is the clients' histories' business; this measures and checks liveness.
 */
final class ElectionDrill {

    enum Kind {
        /** The leader cut off from the other members, both ways (clients still reach it). */
        LEADER_ISOLATED,
        /** A follower cut off from the other members, both ways. */
        FOLLOWER_ISOLATED,
        /** What the leader sends a follower is dropped; the follower's answers still arrive. */
        ONE_WAY,
        /** A third of what the leader sends a follower is dropped at random. */
        LOSS,
        /** The leader SIGKILLed, then started again on its data directory. */
        LEADER_KILL,
        /** The leader SIGSTOPped until another is elected, then resumed: the stale-leader case. */
        LEADER_FREEZE,
        /** Every member stopped (SIGTERM) and started again in turn, the leader among them. */
        ROLLING_RESTART
    }

    /**
     * @param failoverMs from the fault until another member led, agreed by the members that answer
     *                   (leader faults only; -1 if none did within the wait, 0 for other kinds)
     * @param recoveredMs from the heal until every member agreed on a leader and had applied the same log; -1 if not within the wait
     * @param elections   terms started during the fault and its heal
     * @param leaderMoved whether the leader after the heal is another member
     */
    record Outcome(Kind kind, int victim, long failoverMs, long recoveredMs, long elections, boolean leaderMoved) {
    }

    private static final long WAIT_MS = 30_000;
    /** How long a fault on a follower, or a partition, is held: several election timeouts. */
    private final long holdMs;
    private final NetnsPeers cluster;
    private final SplittableRandom random;
    private final List<Outcome> outcomes = new ArrayList<>();

    ElectionDrill(NetnsPeers cluster, long seed, long holdMs) {
        this.cluster = cluster;
        this.random = new SplittableRandom(seed);
        this.holdMs = holdMs;
    }

    List<Outcome> outcomes() {
        return outcomes;
    }

    /** Runs {@code faults} faults; every {@code perHistory} of them, the clients start a new history. */
    void run(int faults, int perHistory, ElectionClients clients, PrintStream progress) throws InterruptedException {
        Kind[] kinds = Kind.values();
        for (int i = 0; i < faults; i++) {
            Kind kind = i < kinds.length ? kinds[i] : kinds[random.nextInt(kinds.length)];
            Outcome o = inject(kind);
            outcomes.add(o);
            progress.printf("election drill: fault %d/%d %s on %s: failover %s, recovered %s, %d election(s)%s%n", i + 1, faults, kind,
                    NetnsPeers.id(o.victim()), ms(o.failoverMs()), ms(o.recoveredMs()), o.elections(), o.leaderMoved() ? ", leader moved" : "");
            if ((i + 1) % perHistory == 0 && i + 1 < faults) {
                clients.nextHistory();
            }
        }
    }

    private static String ms(long ms) {
        return ms < 0 ? "never" : ms + " ms";
    }

    private Outcome inject(Kind kind) throws InterruptedException {
        int leader = awaitSettled(WAIT_MS);
        if (leader < 0) {
            throw new AssertionError("no agreed leader before the fault " + kind);
        }
        long termBefore = term(leader);
        int follower = otherThan(leader);
        int victim = switch (kind) {
            case LEADER_ISOLATED, LEADER_KILL, LEADER_FREEZE, ROLLING_RESTART -> leader;
            default -> follower;
        };
        long start = System.nanoTime();
        long failover = 0;
        switch (kind) {
            case LEADER_ISOLATED -> {
                cluster.isolate(leader);
                failover = awaitLeaderOtherThan(leader, start);
                hold(start);
                cluster.heal(leader);
            }
            case FOLLOWER_ISOLATED -> {
                cluster.isolate(follower);
                hold(start);
                cluster.heal(follower);
            }
            case ONE_WAY -> {
                cluster.dropOneWay(leader, follower);
                hold(start);
                cluster.heal(follower);
            }
            case LOSS -> {
                cluster.loss(leader, follower);
                hold(start);
                cluster.heal(follower);
            }
            case LEADER_KILL -> {
                cluster.member(leader).kill();
                failover = awaitLeaderOtherThan(leader, start);
                cluster.startMember(leader);
            }
            case LEADER_FREEZE -> {
                cluster.member(leader).signal("STOP");
                try {
                    failover = awaitLeaderOtherThan(leader, start);
                } finally {
                    cluster.member(leader).signal("CONT");
                }
            }
            case ROLLING_RESTART -> {
                // Followers first, the leader last, each once the cluster has settled again.
                for (int m = 0; m < cluster.members(); m++) {
                    if (m != leader) {
                        restart(m);
                    }
                }
                long before = System.nanoTime();
                restart(leader);
                failover = elapsedMs(before);
            }
        }
        long healed = System.nanoTime();
        int after = awaitSettled(WAIT_MS);
        long recovered = after < 0 ? -1 : elapsedMs(healed);
        long elections = after < 0 ? -1 : term(after) - termBefore;
        return new Outcome(kind, victim, failover, recovered, elections, after >= 0 && after != leader);
    }

    private void restart(int member) throws InterruptedException {
        cluster.member(member).stop();
        cluster.startMember(member);
        if (awaitSettled(WAIT_MS) < 0) {
            throw new AssertionError("no agreed leader after restarting " + NetnsPeers.id(member));
        }
    }

    private void hold(long start) throws InterruptedException {
        long left = holdMs - elapsedMs(start);
        if (left > 0) {
            Thread.sleep(left);
        }
    }

    /** Milliseconds until a member other than {@code old} leads, agreed by those that answer; -1 if none within the wait. */
    private long awaitLeaderOtherThan(int old, long start) throws InterruptedException {
        while (elapsedMs(start) < WAIT_MS) {
            int now = leaderAmong(old);
            if (now >= 0) {
                return elapsedMs(start);
            }
            Thread.sleep(10);
        }
        return -1;
    }

    /** The leader the members other than {@code excluded} agree on, every one of them answering; else -1. */
    private int leaderAmong(int excluded) {
        JsonNode[] statuses = new JsonNode[cluster.members()];
        for (int m = 0; m < statuses.length; m++) {
            if (m != excluded && (statuses[m] = cluster.status(m)) == null) {
                return -1;
            }
        }
        return Agreement.leader(statuses, NetnsPeers::id);
    }

    /** Waits until every member agrees on one leader and has applied the same log; the leader, or -1. */
    private int awaitSettled(long waitMs) throws InterruptedException {
        long start = System.nanoTime();
        while (elapsedMs(start) < waitMs) {
            int leader = cluster.agreedLeader();
            if (leader >= 0 && converged()) {
                return leader;
            }
            Thread.sleep(20);
        }
        return -1;
    }

    private boolean converged() {
        String digest = null;
        long applied = -1;
        for (int m = 0; m < cluster.members(); m++) {
            JsonNode s = cluster.status(m);
            if (s == null) {
                return false;
            }
            JsonNode log = s.path("log");
            if (digest == null) {
                digest = log.path("digest").asText();
                applied = log.path("appliedIndex").asLong();
            } else if (!digest.equals(log.path("digest").asText()) || applied != log.path("appliedIndex").asLong()) {
                return false;
            }
        }
        return true;
    }

    private long term(int member) {
        JsonNode s = cluster.status(member);
        return s == null ? -1 : s.path("election").path("term").asLong();
    }

    private int otherThan(int leader) {
        int pick = random.nextInt(cluster.members() - 1);
        return pick >= leader ? pick + 1 : pick;
    }

    private static long elapsedMs(long fromNanos) {
        return (System.nanoTime() - fromNanos) / 1_000_000;
    }

    /** One row per kind: count, failover and recovery p50/p99/max, elections, leader moves. */
    String table() {
        Map<Kind, List<Outcome>> byKind = new EnumMap<>(Kind.class);
        outcomes.forEach(o -> byKind.computeIfAbsent(o.kind(), k -> new ArrayList<>()).add(o));
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%-18s %5s %24s %24s %9s %6s%n", "kind", "count",
                "failover p50/p99/max ms", "recovered p50/p99/max ms", "elections", "moved"));
        byKind.forEach((kind, list) -> t.append(String.format(Locale.ROOT, "%-18s %5d %24s %24s %9d %6d%n", kind, list.size(),
                kind == Kind.LEADER_ISOLATED || kind == Kind.LEADER_KILL || kind == Kind.LEADER_FREEZE || kind == Kind.ROLLING_RESTART
                        ? triple(list.stream().mapToLong(Outcome::failoverMs).toArray()) : "-",
                triple(list.stream().mapToLong(Outcome::recoveredMs).toArray()),
                list.stream().mapToLong(Outcome::elections).sum(), list.stream().filter(Outcome::leaderMoved).count())));
        return t.toString();
    }

    private static String triple(long[] values) {
        Histogram h = new Histogram(3);
        for (long v : values) {
            if (v < 0) {
                return "missing";
            }
            h.recordValue(v);
        }
        return h.getTotalCount() == 0 ? "-" : h.getValueAtPercentile(50) + " / " + h.getValueAtPercentile(99) + " / " + h.getMaxValue();
    }
}
