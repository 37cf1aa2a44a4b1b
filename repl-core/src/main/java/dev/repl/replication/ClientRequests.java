package dev.repl.replication;

import dev.repl.api.LogOptions;
import dev.repl.api.Outcome;
import dev.repl.api.RejectedException;
import dev.repl.log.LogFailedException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
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
    private final int maxCommandBytes;
    /** Answers not yet given, with the index they wait for; {@link #close} gives them. */
    private final Map<CompletableFuture<Outcome>, Long> pending = new ConcurrentHashMap<>();
    /** Reads not yet answered; {@link #close} refuses them. */
    private final Set<CompletableFuture<Void>> reads = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param leaders  the leader's log while this node leads, else null
     * @param follower the follower's log, which knows the leader; null on a fixed leader
     */
    public ClientRequests(Replica replica, Supplier<LeaderLog> leaders, FollowerLog follower, LogOptions options) {
        this.replica = replica;
        this.leaders = leaders;
        this.follower = follower;
        this.commitTimeout = options.commitTimeout();
        this.maxCommandBytes = options.maxCommandBytes();
    }

    /**
     * Proposes {@code command}; {@code timers} runs the commit timeout and completes the answer.
     *
     * @param awaitApplied answer once applied here, with the state machine's result; otherwise once committed, with none
     */
    public CompletableFuture<Outcome> propose(byte[] command, boolean awaitApplied, ScheduledExecutorService timers) {
        if (command.length == 0) {
            // The log's empty entry is a new leader's no-op: it would commit without being applied.
            throw new IllegalArgumentException("a command must not be empty");
        }
        if (command.length > maxCommandBytes) {
            // It could never be shipped in one replication frame: followers would refuse it and every later write.
            return CompletableFuture.completedFuture(new Outcome.Rejected(Outcome.Reason.TOO_LARGE, "a command of " + command.length
                    + " bytes is over the " + maxCommandBytes + " a replication frame can carry; nothing was written", null));
        }
        if (closed) {
            return CompletableFuture.completedFuture(closing());
        }
        LeaderLog leader = leaders.get();
        if (leader == null) {
            return CompletableFuture.completedFuture(notLeading());
        }
        Outcome.Rejected stopped = applyStopped();
        if (stopped != null) {
            return CompletableFuture.completedFuture(stopped);
        }
        if (leader.backlogged()) {
            return CompletableFuture.completedFuture(new Outcome.Rejected(Outcome.Reason.BACKLOGGED,
                    "the leader's disk is behind its writes; nothing was written, try again", null));
        }
        LeaderLog.Proposal proposal;
        try {
            proposal = leader.propose(command);
        } catch (LogFailedException e) {
            return CompletableFuture.completedFuture(logFailed(e));
        } catch (NotLeaderException e) {
            return CompletableFuture.completedFuture(notLeading()); // stepped down just now; nothing was proposed
        }
        CompletableFuture<Outcome> answer = new CompletableFuture<>();
        pending.put(answer, proposal.index());
        answer.whenComplete((outcome, failure) -> pending.remove(answer));
        if (closed) {
            close(); // closed while this was proposed: it is answered like every other pending proposal
            return answer;
        }
        Future<?> timer;
        try {
            timer = timers.schedule(() -> {
                if (answer.complete(new Outcome.Unknown(proposal.index(), "not committed within " + seconds(commitTimeout) + ": "
                        + leader.progress(proposal.index())))) {
                    leader.forget(proposal.index());
                }
            }, commitTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            answer.complete(new Outcome.Unknown(proposal.index(), "this node is closing; the write may still commit"));
            return answer;
        }
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
        if (closed || leader == null) {
            return CompletableFuture.failedFuture(new RejectedException(closed ? closing() : notLeading()));
        }
        Outcome.Rejected stopped = applyStopped();
        if (stopped != null) {
            return CompletableFuture.failedFuture(new RejectedException(stopped));
        }
        CompletableFuture<Void> answer = new CompletableFuture<>();
        reads.add(answer);
        answer.whenComplete((ok, failure) -> reads.remove(answer));
        if (closed) {
            close();
            return answer;
        }
        Future<?> timer;
        // Every write committed before this read, including those of an earlier run of this
        // leader: their commit is known for sure only once this term's first entry has committed.
        try {
            timer = timers.schedule(() -> answer.completeExceptionally(new RejectedException(new Outcome.Rejected(Outcome.Reason.NO_QUORUM,
                replica.commitIndex() < leader.termStart()
                        ? "this leader has not committed the first entry of its term within " + seconds(commitTimeout)
                        + " (are its followers reachable?); a read now could miss acknowledged writes"
                        : "no majority confirmed within " + seconds(commitTimeout) + " that this node still leads, or the writes committed"
                        + " before this read were not applied", null))), commitTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            answer.completeExceptionally(new RejectedException(closing()));
            return answer;
        }
        leader.readIndex().thenCompose(replica::appliedUpTo).whenComplete((ok, failure) -> {
            timer.cancel(false);
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (failure == null) {
                answer.complete(null);
            } else if (cause instanceof ApplyFailedException applyFailedNow) {
                answer.completeExceptionally(new RejectedException(applyFailed(applyFailedNow)));
            } else {
                answer.completeExceptionally(new RejectedException(notLeading()));
            }
        });
        return answer;
    }

    /**
     * Answers every proposal still waiting: it was written, and this node will not learn whether
     * it commits, so its outcome is unknown. Later proposals are answered the same way.
     */
    public void close() {
        closed = true;
        for (Map.Entry<CompletableFuture<Outcome>, Long> p : pending.entrySet()) {
            p.getKey().complete(new Outcome.Unknown(p.getValue(), "this node closed before the outcome was known; the write may still commit"));
        }
        for (CompletableFuture<Void> read : reads) {
            read.completeExceptionally(new RejectedException(closing()));
        }
    }

    /** The refusal of a node that stopped applying, or null while it applies. */
    private Outcome.Rejected applyStopped() {
        ApplyFailedException e = replica.applyFailure();
        return e == null ? null : applyFailed(e);
    }

    private static Outcome.Rejected logFailed(LogFailedException e) {
        return new Outcome.Rejected(Outcome.Reason.LOG_FAILED, e.getMessage() + "; this node takes no writes", null);
    }

    private static Outcome.Rejected applyFailed(ApplyFailedException e) {
        return new Outcome.Rejected(Outcome.Reason.APPLY_FAILED, e.getMessage() + "; this node takes no writes and serves no reads until it is"
                + " restarted", null);
    }

    private static Outcome.Rejected closing() {
        return new Outcome.Rejected(Outcome.Reason.NOT_LEADER, "this node is closing; nothing was written or read", null);
    }

    /**
     * The refusal of a node that does not lead: NOT_LEADER, naming the leader it follows when it
     * knows one; else, when its log or its state machine failed (so it will not lead), that failure.
     */
    public Outcome.Rejected notLeading() {
        FollowerLog.LeaderInfo known = follower == null ? null : follower.leader();
        String leader = known == null ? null : known.name();
        if (leader == null) {
            // It knows no leader to send the caller to, and will not become one: its own failure is the answer.
            LogFailedException logFailed = replica.writer().failure();
            Outcome.Rejected stopped = logFailed != null ? logFailed(logFailed) : applyStopped();
            if (stopped != null) {
                return stopped;
            }
        }
        return new Outcome.Rejected(Outcome.Reason.NOT_LEADER, "not the leader" + (leader == null ? "" : "; the leader is " + leader), leader);
    }

    /** The address clients reach the leader this node follows at, or null. */
    public String leaderClientAddress() {
        FollowerLog.LeaderInfo known = follower == null ? null : follower.leader();
        return known == null || known.clientAddress().isEmpty() ? null : known.clientAddress();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
