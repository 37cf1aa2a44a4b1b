package dev.repl.admin;

import dev.repl.election.ElectionStatus;
import dev.repl.liveness.FollowerStatus;
import dev.repl.node.LeaderTracker;
import dev.repl.replication.FollowerReplication;
import dev.repl.replication.LogStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Renders {@link NodeStatus} as the plain-text table {@code repl status} prints. */
public final class StatusTable {

    private static final String ROW = "%-12s %-21s %-10s %9s %9s %9s %7s %10s%n";
    private static final String LOG_ROW = "%-12s %-21s %-10s %9s %9s %9s %7s %10s %10s %9s %9s%n";

    private StatusTable() {
    }

    public static String render(NodeStatus status) {
        StringBuilder out = new StringBuilder();
        out.append(status.name()).append(" (").append(status.role()).append(")\n");
        String problem = status.problem();
        LogStatus log = status.log();
        if (log != null) {
            out.append(String.format("log term %d, entries %d..%d, commit %d, applied %d, snapshot %d, digest %016x, fsync p50 %s p99 %s%n",
                    log.term(), log.firstIndex(), log.lastIndex(), log.commitIndex(), log.appliedIndex(), log.snapshotIndex(), log.digest(),
                    micros(log.fsyncP50Us()), micros(log.fsyncP99Us())));
        }
        ElectionStatus election = status.election();
        if (election != null) {
            out.append(String.format("election term %d, leader %s%s%n", election.term(), election.leader() == null ? "unknown" : election.leader(),
                    election.lastElection() == null ? "" : ", this node last stood for term " + election.lastElection().term() + " at "
                            + Instant.ofEpochMilli(election.lastElection().atEpochMs()).truncatedTo(ChronoUnit.MILLIS) + ": "
                            + election.lastElection().why()));
            if (election.votesWithheld() != null) {
                out.append("votes withheld: ").append(election.votesWithheld()).append(System.lineSeparator());
            }
            for (ElectionStatus.Member m : election.members()) {
                out.append(String.format("  %-12s %-21s %s%n", m.id(), m.address(), m.role()));
            }
        }
        if (!status.isLeader()) {
            LeaderTracker.Status leader = status.leader();
            LeaderTracker.Seen seen = leader.leader();
            out.append(String.format("leader %s %s, last heartbeat %s ago%n", leader.state(),
                    seen == null ? "(none yet)" : seen, age(seen == null ? -1 : seen.lastHeartbeatAgeMs())));
            if (leader.warning() != null) {
                out.append("WARNING ").append(leader.warning()).append('\n');
            }
            return out.toString();
        }
        if (problem != null) {
            out.append("NOT HEALTHY ").append(problem).append('\n');
        }
        if (log == null) {
            out.append(String.format(ROW, "FOLLOWER", "ADDRESS", "STATE", "LAST ACK", "RTT P50", "RTT P99", "MISSED", "RECONNECTS"));
            for (FollowerStatus f : status.followers()) {
                out.append(String.format(ROW, f.name(), f.address(), f.state(), age(f.lastAckAgeMs()),
                        micros(f.rttP50Us()), micros(f.rttP99Us()), f.missed(), f.reconnects()));
            }
            return out.toString();
        }
        out.append(String.format(LOG_ROW, "FOLLOWER", "ADDRESS", "STATE", "LAST ACK", "RTT P50", "RTT P99", "MISSED", "RECONNECTS",
                "MATCH", "LAG", "LAG TIME"));
        for (FollowerStatus f : status.followers()) {
            FollowerReplication r = status.replicationOf(f.name());
            out.append(String.format(LOG_ROW, f.name(), f.address(), f.state(), age(f.lastAckAgeMs()),
                    micros(f.rttP50Us()), micros(f.rttP99Us()), f.missed(), f.reconnects(), r == null ? "-" : r.matchIndex(),
                    r == null ? "-" : r.lagRecords(), r == null ? "-" : age(r.lagMs())));
        }
        return out.toString();
    }

    private static String age(long ms) {
        if (ms < 0) {
            return "-";
        }
        return ms < 10_000 ? ms + "ms" : ms / 1000 + "s";
    }

    private static String micros(long us) {
        if (us < 0) {
            return "-";
        }
        return us < 10_000 ? us + "us" : us / 1000 + "ms";
    }
}
