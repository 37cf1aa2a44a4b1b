package dev.repl.election;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A leader's proof that it still leads, for reads (ReadIndex, Raft thesis section 6.4). A read
 * starts a <em>round</em>; every message the leader sends a follower carries the round current
 * when it was sent, and a follower's answer in the leader's term acknowledges it. Once a majority,
 * the leader included, has acknowledged a round at or after the read's, no other leader can have
 * been elected before the read arrived (that majority would have refused this leader's term), so
 * the leader's commit index at the read's arrival covers every write acknowledged before it. No
 * clock is trusted: a leader frozen and resumed gets no acknowledgement from followers that have
 * moved on, and its reads wait, then fail. Any thread.
 */
public final class ReadIndex {

    private final List<String> peers;
    private final Map<String, Long> acked = new HashMap<>();
    private final TreeMap<Long, CompletableFuture<Void>> waiting = new TreeMap<>();
    private long round;
    private Throwable failed;

    /** @param peers the followers whose answers count */
    public ReadIndex(List<String> peers) {
        this.peers = List.copyOf(peers);
    }

    /**
     * Starts a round for a read. The caller then makes sure something of this round reaches every
     * follower (an empty append will do).
     *
     * @return completes once a majority has acknowledged the round; exceptionally if this node stops leading first
     */
    public synchronized CompletableFuture<Void> begin() {
        if (failed != null) {
            return CompletableFuture.failedFuture(failed);
        }
        long r = ++round;
        CompletableFuture<Void> done = waiting.computeIfAbsent(r, x -> new CompletableFuture<>());
        release();
        return done;
    }

    /** The round a message sent now carries. */
    public synchronized long round() {
        return round;
    }

    /** {@code peer} answered, in this leader's term, a message that carried {@code round}. */
    public synchronized void acknowledged(String peer, long round) {
        acked.merge(peer, round, Math::max);
        release();
    }

    /** This node stopped leading: no waiting read will be confirmed. */
    public synchronized void fail(Throwable why) {
        failed = why;
        waiting.values().forEach(f -> f.completeExceptionally(why));
        waiting.clear();
    }

    /** The latest round a majority has acknowledged (the leader acknowledges every round). */
    synchronized long confirmedRound() {
        return confirmed(peers.stream().mapToLong(p -> acked.getOrDefault(p, 0L)).toArray(), round);
    }

    /** Of the followers' acknowledged rounds and the leader's own {@code current}, the highest held by a majority. */
    static long confirmed(long[] followers, long current) {
        long[] all = Arrays.copyOf(followers, followers.length + 1);
        all[followers.length] = current;
        Arrays.sort(all);
        int majority = all.length / 2 + 1;
        return all[all.length - majority];
    }

    private void release() {
        var done = waiting.headMap(confirmedRound(), true);
        done.values().forEach(f -> f.complete(null));
        done.clear();
    }
}
