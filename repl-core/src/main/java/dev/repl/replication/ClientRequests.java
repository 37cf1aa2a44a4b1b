package dev.repl.replication;

import dev.repl.api.Outcome;
import dev.repl.api.RejectedException;
import dev.repl.log.LogFailedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A client's writes and linearizable reads on whatever this node is now, with their outcomes:
 * what {@link dev.repl.api.ReplNode} and the key-value HTTP API both answer from. A write is
 * {@link Outcome.Committed} once committed (and applied here, when asked), {@link Outcome.Rejected}
 * when nothing was proposed, and otherwise {@link Outcome.Unknown}: an entry on followers' disks
 * may still commit, so it is never reported failed.
 */
public final class ClientRequests {

    private final Supplier<LeaderLog> leaders;
    private final FollowerLog follower;
    private final Replica replica;
    private final Duration commitTimeout;

    /**
     * @param leaders  the leader's log while this node leads, else null
     * @param follower the follower's log, which knows the leader; null on a fixed leader
     */
    public ClientRequests(Replica replica, Supplier<LeaderLog> leaders, FollowerLog follower, Duration commitTimeout) {
        this.replica = replica;
        this.leaders = leaders;
        this.follower = follower;
        this.commitTimeout = commitTimeout;
    }

    /**
     * Proposes {@code command}; {@code timers} runs the commit timeout and completes the answer.
     *
     * @param awaitApplied answer once applied here, with the state machine's result; otherwise once committed, with none
     */
    public CompletableFuture<Outcome> propose(byte[] command, boolean awaitApplied, ScheduledExecutorService timers) {
        LeaderLog leader = leaders.get();
        if (leader == null) {
            return CompletableFuture.completedFuture(notLeader());
        }
        if (leader.backlogged()) {
            return CompletableFuture.completedFuture(new Outcome.Rejected(Outcome.Reason.BACKLOGGED,
                    "the leader's disk is behind its writes; nothing was written, try again", null));
        }
        LeaderLog.Proposal proposal;
        try {
            proposal = leader.propose(command);
        } catch (LogFailedException e) {
            return CompletableFuture.completedFuture(new Outcome.Rejected(Outcome.Reason.LOG_FAILED, e.getMessage() + "; this node takes no writes",
                    null));
        } catch (NotLeaderException e) {
            return CompletableFuture.completedFuture(notLeader()); // stepped down just now; nothing was proposed
        }
        CompletableFuture<Outcome> answer = new CompletableFuture<>();
        var timer = timers.schedule(() -> {
            if (answer.complete(new Outcome.Unknown(proposal.index(), "not committed within " + seconds(commitTimeout) + ": "
                    + leader.progress(proposal.index())))) {
                leader.forget(proposal.index());
            }
        }, commitTimeout.toNanos(), TimeUnit.NANOSECONDS);
        CompletableFuture<byte[]> done = awaitApplied ? proposal.applied() : proposal.committed().thenApply(index -> null);
        done.whenComplete((result, failure) -> {
            timer.cancel(false);
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                // The entry may be on followers' disks and commit there: the outcome is unknown, not failed.
                answer.complete(new Outcome.Unknown(proposal.index(), cause.getMessage()));
            } else {
                answer.complete(new Outcome.Committed(proposal.index(), result));
            }
        });
        return answer;
    }

    /**
     * Completes once a read may be served here and see every write committed before this call:
     * this node still leads (a majority confirmed it, when elected) and has applied them. Fails
     * with a {@link RejectedException} otherwise.
     */
    public CompletableFuture<Void> readBarrier(ScheduledExecutorService timers) {
        LeaderLog leader = leaders.get();
        if (leader == null) {
            return CompletableFuture.failedFuture(new RejectedException(notLeader()));
        }
        CompletableFuture<Void> answer = new CompletableFuture<>();
        // Every write committed before this read, including those of an earlier run of this
        // leader: their commit is known for sure only once this term's first entry has committed.
        var timer = timers.schedule(() -> answer.completeExceptionally(new RejectedException(new Outcome.Rejected(Outcome.Reason.NO_QUORUM,
                replica.commitIndex() < leader.termStart()
                        ? "this leader has not committed the first entry of its term within " + seconds(commitTimeout)
                        + " (are its followers reachable?); a read now could miss acknowledged writes"
                        : "no majority confirmed within " + seconds(commitTimeout) + " that this node still leads, or the writes committed"
                        + " before this read were not applied", null))), commitTimeout.toNanos(), TimeUnit.NANOSECONDS);
        leader.readIndex().thenCompose(replica::appliedUpTo).whenComplete((ok, failure) -> {
            timer.cancel(false);
            if (failure == null) {
                answer.complete(null);
            } else {
                answer.completeExceptionally(new RejectedException(notLeader()));
            }
        });
        return answer;
    }

    /** The refusal of a node that does not lead, naming the leader it follows when it knows one. */
    public Outcome.Rejected notLeader() {
        FollowerLog.LeaderInfo known = follower == null ? null : follower.leader();
        String leader = known == null ? null : known.name();
        return new Outcome.Rejected(Outcome.Reason.NOT_LEADER, "not the leader" + (leader == null ? "" : "; the leader is " + leader), leader);
    }

    /** The address clients reach the leader this node follows at, or null. */
    public String leaderClientAddress() {
        FollowerLog.LeaderInfo known = follower == null ? null : follower.leader();
        return known == null || known.clientAddress().isEmpty() ? null : known.clientAddress();
    }

    public static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
