package dev.repl.admin;

import dev.repl.api.FollowerState;
import dev.repl.election.ElectionStatus;
import dev.repl.liveness.FollowerStatus;
import dev.repl.node.LeaderTracker;
import dev.repl.replication.FollowerReplication;
import dev.repl.replication.LogStatus;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a node's admin endpoint reports: a leader lists its followers, a follower its leader.
 *
 * @param followers   a leader's followers; empty for a follower
 * @param leader      a follower's view of its leader; null for a leader
 * @param log         the node's replicated log, or null for a node that keeps none
 * @param replication a leader's replication to each follower, in the followers' order; empty without a log
 * @param election    the election, for a node started with peers; null for a fixed role
 */
public record NodeStatus(String name, String role, List<FollowerStatus> followers, LeaderTracker.Status leader, LogStatus log,
                         List<FollowerReplication> replication, ElectionStatus election) {

    public NodeStatus {
        followers = List.copyOf(followers);
        replication = List.copyOf(replication);
    }

    /** A node of a fixed role. */
    public NodeStatus(String name, String role, List<FollowerStatus> followers, LeaderTracker.Status leader, LogStatus log,
                      List<FollowerReplication> replication) {
        this(name, role, followers, leader, log, replication, null);
    }

    /** A node that keeps no log. */
    public NodeStatus(String name, String role, List<FollowerStatus> followers, LeaderTracker.Status leader) {
        this(name, role, followers, leader, null, List.of());
    }

    /** The replication to {@code follower}, or null. */
    public FollowerReplication replicationOf(String follower) {
        return replication.stream().filter(r -> r.name().equals(follower)).findFirst().orElse(null);
    }

    public boolean isLeader() {
        return leader == null;
    }

    /**
     * Why this node does not do its job, or null when it does: a leader must reach at least one
     * follower, a follower must hear one leader.
     */
    public String problem() {
        if (log != null && log.failure() != null) {
            return "the log takes no more writes: " + log.failure();
        }
        if (election != null && election.leader() == null) {
            return election.lastElection() == null ? "no leader known yet" : "no leader: an election is under way ("
                    + election.lastElection().why() + ")";
        }
        if (isLeader()) {
            boolean reaches = followers.stream().anyMatch(f -> f.state() == FollowerState.UP || f.state() == FollowerState.SUSPECT);
            return reaches ? null : "no follower reachable: " + followers.stream()
                    .map(f -> f.name() + " " + f.state()).collect(Collectors.joining(", "));
        }
        if (leader.healthy()) {
            return null;
        }
        if (leader.warning() != null) {
            return leader.warning();
        }
        return leader.state() == LeaderTracker.State.WAITING ? "no heartbeat from a leader yet" : "leader lost: " + leader.lastEvent();
    }
}
