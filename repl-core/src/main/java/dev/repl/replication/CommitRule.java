package dev.repl.replication;

import dev.repl.api.Acks;
import java.util.Arrays;

/**
 * Where the commit index may move, from what is durable where: a pure function, so that the rule
 * is tested on its own (as etcd's raft does in {@code quorum/majority.go}).
 */
public final class CommitRule {

    private CommitRule() {
    }

    /**
     * The highest index durable on at least {@code acks.needed(nodes)} nodes, the leader always
     * among them. Raft lets followers' copies alone make a majority because an election never
     * hands the lead to a node missing a committed entry; a fixed leader has no election, and
     * followers are sent entries before the leader's own fsync, so the leader restarted after a
     * crash must find every entry it committed in its own log.
     *
     * @param leaderDurable   the leader's own durable index
     * @param followerMatches each follower's durable index matching the leader's log
     */
    public static long durableOnEnough(Acks acks, long leaderDurable, long[] followerMatches) {
        long[] all = Arrays.copyOf(followerMatches, followerMatches.length + 1);
        all[followerMatches.length] = leaderDurable;
        Arrays.sort(all);
        int needed = acks.needed(all.length);
        // Sorted ascending: the needed-th highest value is durable on at least that many nodes.
        return Math.min(all[all.length - needed], leaderDurable);
    }

    /**
     * The new commit index: {@code candidate} if the entry there is of the leader's own term and
     * beyond the current commit, otherwise the current one. A leader counts copies only of its own
     * term's entries; earlier ones commit with them (Raft, section 5.4.2).
     */
    public static long advance(long current, long candidate, long termAtCandidate, long leaderTerm) {
        return candidate > current && termAtCandidate == leaderTerm ? candidate : current;
    }

    /** How many nodes hold {@code index} durably: for a timed-out write, how far it got. */
    public static int copies(long index, long leaderDurable, long[] followerMatches) {
        int count = leaderDurable >= index ? 1 : 0;
        for (long match : followerMatches) {
            if (match >= index) {
                count++;
            }
        }
        return count;
    }
}
