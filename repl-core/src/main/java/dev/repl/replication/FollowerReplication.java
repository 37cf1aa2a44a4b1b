package dev.repl.replication;

/**
 * One follower's replication as its leader sees it, at a point in time.
 *
 * @param state        {@code connecting}, {@code replicating}, {@code snapshot} (being sent one) or {@code stopped}
 * @param matchIndex   the last index the follower holds durably, matching the leader's log
 * @param lagRecords   entries the leader has and the follower does not yet hold durably
 * @param lagBytes     what those entries take in the leader's log (to within 256 entries' bytes)
 * @param lagMs        how long ago the oldest of them was proposed; 0 when caught up
 * @param inflightBytes sent and not yet acknowledged
 */
public record FollowerReplication(String name, String address, String state, long matchIndex, long lagRecords, long lagBytes, long lagMs,
                                  long inflightBytes) {
}
