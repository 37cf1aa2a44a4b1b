package dev.repl.admin;

import dev.repl.liveness.FollowerState;
import dev.repl.liveness.FollowerStatus;
import dev.repl.node.LeaderTracker;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a node's admin endpoint reports: a leader lists its followers, a follower its leader.
 *
 * @param followers a leader's followers; empty for a follower
 * @param leader    a follower's view of its leader; null for a leader
 */
public record NodeStatus(String name, String role, List<FollowerStatus> followers, LeaderTracker.Status leader) {

    public NodeStatus {
        followers = List.copyOf(followers);
    }

    public boolean isLeader() {
        return leader == null;
    }

    /**
     * Why this node does not do its job, or null when it does: a leader must reach at least one
     * follower, a follower must hear one leader.
     */
    public String problem() {
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
