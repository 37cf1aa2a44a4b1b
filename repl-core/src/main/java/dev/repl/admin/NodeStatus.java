package dev.repl.admin;

import dev.repl.liveness.FollowerStatus;
import dev.repl.node.LeaderTracker;
import java.util.List;

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
}
