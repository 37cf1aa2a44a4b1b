package dev.repl.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * A reproducible schedule of faults and heals over a {@link NetnsCluster}: from a seed it draws
 * each fault's kind and victim, injects it, waits for the leader to see it, checks that nobody
 * else was blamed, heals it, and waits for everyone to be UP again and for every follower's log
 * to have caught up. The leader's log is the clock: each state change is a line with its time.
 */
final class FaultDrill {

    enum Kind {
        /** Every packet between leader and victim dropped, both ways (the victim's own firewall). */
        PARTITION,
        /** Only leader-to-victim packets dropped. */
        PARTITION_INBOUND,
        /** Only victim-to-leader packets dropped. */
        PARTITION_OUTBOUND,
        /** The victim answers the leader's packets with a TCP reset. */
        RESET,
        /** A third of the leader's packets to the victim dropped at random: TCP retransmits; no verdict is required. */
        LOSS,
        /** SIGKILL; healed by a restart on the same address. */
        KILL,
        /** SIGSTOP; healed by SIGCONT. */
        FREEZE,
        /** The leader cut off from every follower; each follower must report its leader lost. */
        LEADER_CUT
    }

    /**
     * What happened to one fault. Latencies are -1 when the event never came within the wait.
     *
     * @param detectedMs  from the fault to the victim's DOWN at the leader; for LOSS, which needs no
     *                    verdict, 0 when acks still came through during the loss and -1 when none did
     * @param recoveredMs from the start of the heal (the restart, SIGCONT, the rules removed) to UP,
     *                    or 0 when the victim was UP again before the heal began
     * @param caughtUpMs  from the start of the heal until every follower's log lag at the leader was
     *                    0 records again, while writes kept flowing
     */
    record Outcome(Kind kind, int victim, long detectedMs, long recoveredMs, long caughtUpMs, int falseAlarms, int suspicions,
                   boolean withinBound) {
    }

    private static final Duration WAIT = Duration.ofSeconds(15);
    /** A restarted follower starts its JVM, recovers its log and is sent what it missed. */
    private static final Duration CATCH_UP_WAIT = Duration.ofSeconds(30);
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final Pattern CHANGE = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) \\w+ leader: (follower-\\d+) (\\w+) -> (\\w+)");

    private final NetnsCluster cluster;
    private final long seed;
    private final SplittableRandom random;
    private final long silenceBoundMs;
    private final List<Outcome> outcomes = new ArrayList<>();

    /** @param silenceBoundMs how soon a silent follower should be DOWN: a failure timeout plus one interval */
    FaultDrill(NetnsCluster cluster, long seed, long silenceBoundMs) {
        this.cluster = cluster;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.silenceBoundMs = silenceBoundMs;
    }

    List<Outcome> outcomes() {
        return outcomes;
    }

    /** The detection bound of each kind: silence at a failure timeout plus one interval, resets and kills at 100 ms. */
    long boundMs(Kind kind) {
        return switch (kind) {
            case RESET, KILL -> 100;
            default -> silenceBoundMs;
        };
    }

    void run(int faults, PrintStream progress) throws InterruptedException {
        Kind[] kinds = Kind.values();
        for (int i = 0; i < faults; i++) {
            // Every kind in turn at first, so even a short drill covers them all; random after that.
            Kind kind = i < kinds.length ? kinds[i] : kinds[random.nextInt(kinds.length)];
            int victim = kind == Kind.LEADER_CUT ? NetnsCluster.LEADER : 1 + random.nextInt(cluster.followers());
            Outcome outcome = inject(kind, victim);
            outcomes.add(outcome);
            progress.printf("drill: fault %d/%d %s on %s: detected %s, recovered %s, caught up %s, false alarms %d, suspicions %d%n",
                    i + 1, faults, kind, victim == NetnsCluster.LEADER ? "the leader" : NetnsCluster.name(victim), ms(outcome.detectedMs()),
                    ms(outcome.recoveredMs()), ms(outcome.caughtUpMs()), outcome.falseAlarms(), outcome.suspicions());
        }
    }

    private static String ms(long ms) {
        return ms < 0 ? "never" : ms + " ms";
    }

    private Outcome inject(Kind kind, int victim) throws InterruptedException {
        awaitAllUp(); // a fault on a follower that is already DOWN would show nothing new
        String leaderIp = NetnsCluster.address(NetnsCluster.LEADER);
        int logMark = cluster.node(NetnsCluster.LEADER).stderr().length();
        int[] followerMarks = new int[cluster.followers() + 1];
        for (int f = 1; f <= cluster.followers(); f++) {
            followerMarks[f] = cluster.node(f).stderr().length();
        }
        LocalTime signalled = LocalTime.now();
        switch (kind) {
            case PARTITION -> cluster.firewall(victim, rules("ip saddr " + leaderIp + " drop", "ip daddr " + leaderIp + " drop"));
            case PARTITION_INBOUND -> cluster.firewall(victim, rules("ip saddr " + leaderIp + " drop", null));
            case PARTITION_OUTBOUND -> cluster.firewall(victim, rules(null, "ip daddr " + leaderIp + " drop"));
            case RESET -> cluster.firewall(victim, rules("ip saddr " + leaderIp + " meta l4proto tcp reject with tcp reset", null));
            case LOSS -> cluster.firewall(victim, rules("ip saddr " + leaderIp + " numgen random mod 3 == 0 drop", null));
            case KILL -> cluster.node(victim).kill();
            case FREEZE -> cluster.node(victim).signal("STOP");
            // On its link only: the leader still reaches itself over loopback, so /status can be read.
            case LEADER_CUT -> cluster.firewall(NetnsCluster.LEADER, rules("iifname \"eth0\" drop", "oifname \"eth0\" drop"));
        }
        // A signal acts when sent; firewall rules hold once nft has returned.
        LocalTime injected = kind == Kind.KILL || kind == Kind.FREEZE ? signalled : LocalTime.now();
        List<String> victims = new ArrayList<>();
        if (kind == Kind.LEADER_CUT) {
            for (int f = 1; f <= cluster.followers(); f++) {
                victims.add(NetnsCluster.name(f));
            }
        } else {
            victims.add(NetnsCluster.name(victim));
        }

        long detected = -1;
        if (kind == Kind.LOSS) {
            // Long enough for a verdict, were one due. TCP retransmits what is lost: acks must still come
            // through at some point in the window, whatever the detector made of the gaps.
            long windowStart = System.nanoTime();
            boolean acked = false;
            while (System.nanoTime() - windowStart < 2 * silenceBoundMs * 1_000_000) {
                JsonNode victimNow = Json.follower(Json.parse(cluster.status()), NetnsCluster.name(victim));
                long sinceStartMs = (System.nanoTime() - windowStart) / 1_000_000;
                acked |= !victimNow.path("lastAckAgeMs").isNull() && victimNow.path("lastAckAgeMs").asLong() < sinceStartMs;
                Thread.sleep(250);
            }
            detected = acked ? 0 : -1;
        } else {
            LocalTime seen = awaitAll(() -> changesSince(logMark), victims, "DOWN");
            detected = seen == null ? -1 : Math.max(0, injected.until(seen, ChronoUnit.MILLIS));
            if (kind == Kind.LEADER_CUT && !leaderLostEverywhere(followerMarks)) {
                detected = -1;
            }
            if (detected >= 0 && victims.stream().anyMatch(v -> isUp(cluster.status(), v))) {
                detected = -1; // the log said DOWN, but /status disagrees
            }
        }

        // Recovery is measured from the start of the heal: a restarted follower's time to start counts.
        LocalTime healed = LocalTime.now();
        int healMark = cluster.node(NetnsCluster.LEADER).stderr().length();
        List<Change> beforeHeal = changesSince(logMark);
        List<String> notUp = victims.stream().filter(v -> !lastStateIsUp(beforeHeal, v)).toList();
        switch (kind) {
            case KILL -> cluster.startFollower(victim);
            case FREEZE -> cluster.node(victim).signal("CONT");
            default -> cluster.clearFirewall(kind == Kind.LEADER_CUT ? NetnsCluster.LEADER : victim);
        }
        long recovered = 0; // a victim the leader saw come back before the heal began needs nothing more
        if (!notUp.isEmpty()) {
            LocalTime up = awaitAll(() -> changesSince(healMark), notUp, "UP");
            recovered = up == null ? -1 : Math.max(0, healed.until(up, ChronoUnit.MILLIS));
        }
        long caughtUp = awaitCaughtUp(healed);
        Thread.sleep(300); // let stragglers of this fault show before counting what was blamed
        int falseAlarms = 0;
        int suspicions = 0;
        for (Change change : changesSince(logMark)) {
            if (!victims.contains(change.follower)) {
                falseAlarms += change.to.equals("DOWN") ? 1 : 0;
                suspicions += change.to.equals("SUSPECT") ? 1 : 0;
            }
        }
        boolean within = detected >= 0 && detected <= boundMs(kind);
        return new Outcome(kind, victim, detected, recovered, caughtUp, falseAlarms, suspicions, kind == Kind.LOSS || within);
    }

    /** Milliseconds from {@code healed} until every follower replicates with no lag, or -1 if that did not come within the wait. */
    private long awaitCaughtUp(LocalTime healed) throws InterruptedException {
        long deadline = System.nanoTime() + CATCH_UP_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = Json.parse(cluster.status());
            boolean all = true;
            for (int f = 1; f <= cluster.followers(); f++) {
                JsonNode replication = Json.follower(status, NetnsCluster.name(f)).path("replication");
                all &= replication.path("state").asText().equals("replicating") && replication.path("lagRecords").asLong(-1) == 0;
            }
            if (all) {
                return Math.max(0, healed.until(LocalTime.now(), ChronoUnit.MILLIS));
            }
            Thread.sleep(20);
        }
        return -1;
    }

    /** Every follower UP before the next fault, or the drill fails naming its seed: a fault on a DOWN follower would show nothing. */
    private void awaitAllUp() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            status = cluster.status();
            boolean all = true;
            for (int f = 1; f <= cluster.followers(); f++) {
                all &= isUp(status, NetnsCluster.name(f));
            }
            if (all) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("seed " + seed + ": not every follower was UP within " + WAIT.toSeconds() + " s of the last heal: " + status);
    }

    /** True when the follower's last change in {@code changes} left it UP, or it had none. */
    private static boolean lastStateIsUp(List<Change> changes, String follower) {
        String last = "UP";
        for (Change c : changes) {
            if (c.follower.equals(follower)) {
                last = c.to;
            }
        }
        return last.equals("UP");
    }

    private boolean leaderLostEverywhere(int[] marks) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (int f = 1; f <= cluster.followers(); f++) {
                all &= cluster.node(f).stderr().substring(marks[f]).contains("leader lost");
            }
            if (all) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static boolean isUp(String statusJson, String follower) {
        return Json.follower(Json.parse(statusJson), follower).path("state").asText().equals("UP");
    }

    private static String rules(String input, String output) {
        StringBuilder r = new StringBuilder("table inet replit_drill {\n");
        if (input != null) {
            r.append("  chain in { type filter hook input priority 0; ").append(input).append("; }\n");
        }
        if (output != null) {
            r.append("  chain out { type filter hook output priority 0; ").append(output).append("; }\n");
        }
        return r.append("}\n").toString();
    }

    private record Change(LocalTime at, String follower, String from, String to) {
    }

    private List<Change> changesSince(int mark) {
        List<Change> changes = new ArrayList<>();
        String log = cluster.node(NetnsCluster.LEADER).stderr();
        for (String line : log.substring(Math.min(mark, log.length())).split("\n")) {
            Matcher m = CHANGE.matcher(line);
            if (m.find()) {
                changes.add(new Change(LocalTime.parse(m.group(1), LOG_TIME), m.group(2), m.group(3), m.group(4)));
            }
        }
        return changes;
    }

    /** When the last of {@code followers} reached {@code state}, or null if one did not within the wait. */
    private static LocalTime awaitAll(Supplier<List<Change>> changes, List<String> followers, String state) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            LocalTime last = null;
            boolean all = true;
            for (String follower : followers) {
                LocalTime at = changes.get().stream().filter(c -> c.follower.equals(follower) && c.to.equals(state))
                        .map(Change::at).findFirst().orElse(null);
                if (at == null) {
                    all = false;
                    break;
                }
                last = last == null || at.isAfter(last) ? at : last;
            }
            if (all) {
                return last;
            }
            Thread.sleep(20);
        }
        return null;
    }

    /** One row per kind: count, detection and recovery p50/p99/max, within bound, false alarms (DOWN) and suspicions of bystanders. */
    String table() {
        Map<Kind, List<Outcome>> byKind = new EnumMap<>(Kind.class);
        for (Outcome o : outcomes) {
            byKind.computeIfAbsent(o.kind(), k -> new ArrayList<>()).add(o);
        }
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%-19s %5s %8s %22s %8s %22s %24s %6s %8s%n",
                "kind", "count", "bound", "detect p50/p99/max ms", "in bound", "recover p50/p99/max ms", "caught up p50/p99/max ms", "false",
                "suspect"));
        for (Map.Entry<Kind, List<Outcome>> e : byKind.entrySet()) {
            List<Outcome> list = e.getValue();
            t.append(String.format(Locale.ROOT, "%-19s %5d %8s %22s %8s %22s %24s %6d %8d%n", e.getKey(), list.size(),
                    e.getKey() == Kind.LOSS ? "-" : boundMs(e.getKey()) + " ms",
                    e.getKey() == Kind.LOSS ? "-" : triple(list.stream().mapToLong(Outcome::detectedMs).toArray()),
                    e.getKey() == Kind.LOSS ? "-" : list.stream().filter(Outcome::withinBound).count() + "/" + list.size(),
                    triple(list.stream().mapToLong(Outcome::recoveredMs).toArray()),
                    triple(list.stream().mapToLong(Outcome::caughtUpMs).toArray()),
                    list.stream().mapToInt(Outcome::falseAlarms).sum(), list.stream().mapToInt(Outcome::suspicions).sum()));
        }
        return t.toString();
    }

    /** p50 / p99 / max of latencies in ms; "missing" when one of them never came. */
    private static String triple(long[] values) {
        if (values.length == 0) {
            return "-";
        }
        Histogram ms = new Histogram(3);
        for (long v : values) {
            if (v < 0) {
                return "missing";
            }
            ms.recordValue(v);
        }
        return ms.getValueAtPercentile(50) + " / " + ms.getValueAtPercentile(99) + " / " + ms.getMaxValue();
    }
}
