package dev.repl.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.repl.election.ElectionStatus;
import dev.repl.liveness.FollowerStatus;
import dev.repl.node.LeaderTracker;
import dev.repl.replication.FollowerReplication;
import dev.repl.replication.LogStatus;
import java.util.List;

/** Renders {@link NodeStatus} as the JSON of {@code GET /status}. Unknown figures are null, never -1. */
public final class StatusJson {

    private StatusJson() {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Document(String name, String role, boolean healthy, String problem, List<Follower> followers, Leader leader, Log log,
                    ElectionStatus election) {
    }

    record Follower(String name, String address, String state, Long lastAckAgeMs, Long lastRttUs, Rtt rttUs, long missed,
                    long reconnects, long connectAttempts, String lastEvent, @JsonInclude(JsonInclude.Include.NON_NULL) Replication replication) {
    }

    record Replication(String state, long matchIndex, long lagRecords, long lagBytes, long lagMs, long inflightBytes) {
    }

    record Log(long term, long firstIndex, long lastIndex, long durableIndex, long commitIndex, long appliedIndex, long snapshotIndex,
               String digest, long sizeBytes, long fsyncs, Rtt fsyncUs, Long batchP50, Long batchMax, String failure) {
    }

    record Rtt(Long p50, Long p99) {
    }

    record Leader(String state, String name, String address, Long term, Long lastHeartbeatAgeMs, String lastEvent,
                  Other otherLeader, String warning) {
    }

    record Other(String name, String address, long term, long lastHeartbeatAgeMs) {
    }

    public static String render(NodeStatus status) {
        String problem = status.problem();
        Log log = log(status.log());
        if (status.isLeader()) {
            List<Follower> followers = status.followers().stream().map(f -> follower(f, status.replicationOf(f.name()))).toList();
            return Json.line(new Document(status.name(), status.role(), problem == null, problem, followers, null, log, status.election()));
        }
        return Json.line(new Document(status.name(), status.role(), problem == null, problem, null, leader(status.leader()), log, status.election()));
    }

    private static Follower follower(FollowerStatus f, FollowerReplication r) {
        return new Follower(f.name(), f.address(), f.state().name(), known(f.lastAckAgeMs()), known(f.lastRttUs()),
                new Rtt(known(f.rttP50Us()), known(f.rttP99Us())), f.missed(), f.reconnects(), f.connectAttempts(), f.lastEvent(),
                r == null ? null : new Replication(r.state(), r.matchIndex(), r.lagRecords(), r.lagBytes(), r.lagMs(), r.inflightBytes()));
    }

    private static Log log(LogStatus l) {
        if (l == null) {
            return null;
        }
        return new Log(l.term(), l.firstIndex(), l.lastIndex(), l.durableIndex(), l.commitIndex(), l.appliedIndex(), l.snapshotIndex(),
                String.format("%016x", l.digest()), l.sizeBytes(), l.fsyncs(), new Rtt(known(l.fsyncP50Us()), known(l.fsyncP99Us())),
                known(l.batchP50()), known(l.batchMax()), l.failure());
    }

    private static Leader leader(LeaderTracker.Status s) {
        LeaderTracker.Seen l = s.leader();
        LeaderTracker.Seen o = s.otherLeader();
        return new Leader(s.state().name(), l == null ? null : l.name(), l == null ? null : l.address(), l == null ? null : l.term(),
                l == null ? null : l.lastHeartbeatAgeMs(), s.lastEvent(),
                o == null ? null : new Other(o.name(), o.address(), o.term(), o.lastHeartbeatAgeMs()), s.warning());
    }

    private static Long known(long value) {
        return value < 0 ? null : value;
    }
}
