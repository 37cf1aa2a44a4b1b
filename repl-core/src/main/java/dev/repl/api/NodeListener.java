package dev.repl.api;

/**
 * Told of what happens to a node. Called on one thread of the node's own, in order, never on
 * an event loop: a slow listener delays the next event, not the node's work (proposals, reads
 * and their timeouts run elsewhere). Follower health is told of every change, as the failure
 * detectors make it. Role and leader are looked at every {@link #POLL_MILLIS} ms, so one held for
 * less may go unseen; they are reported once at start, then on each change. Events of one kind
 * arrive in order; health and role events are not ordered with each other. What a listener
 * throws is logged, and the node goes on. Every method does nothing by
 * default.
 */
public interface NodeListener {

    NodeListener NONE = new NodeListener() { };

    /** How often role and leader are looked at. */
    int POLL_MILLIS = 20;

    /** This node's role or term changed. */
    default void roleChanged(Role role, long term) {
    }

    /** The leader this node knows changed: its name, or null when none is known (lost, or an election is on). */
    default void leaderChanged(String leader) {
    }

    /**
     * While this node leads: a follower's health as its failure detector sees it changed, every
     * change in order. A new leader's followers start {@link FollowerState#CONNECTING}; once this
     * node stops leading, its followers are no longer reported.
     */
    default void followerHealthChanged(String follower, FollowerState from, FollowerState to) {
    }

    /** On a fixed follower: a heartbeat was answered (its ack written). */
    default void heartbeatAnswered() {
    }
}
