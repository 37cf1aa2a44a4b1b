package dev.repl.kv;

import dev.repl.admin.Json;
import dev.repl.log.LogFailedException;
import dev.repl.replication.FollowerLog;
import dev.repl.replication.LeaderLog;
import dev.repl.replication.NotLeaderException;
import dev.repl.replication.Replica;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What the key-value API does, on a leader or a follower. A leader proposes every write and
 * answers once it is applied — committed at the promised level — or, when it has not committed
 * within the commit timeout, answers that its outcome is unknown and how far it got. A read on
 * the leader waits until every write committed when it arrived is applied. A follower refuses
 * writes and reads with the leader's address; it serves {@code stale} reads from what it has applied.
 */
public final class KvService {

    /** An HTTP answer: status, and a JSON body (or the value itself, for a read). */
    public record Response(int status, boolean json, byte[] body) {

        static Response json(int status, Object value) {
            return new Response(status, true, Json.line(value).getBytes(StandardCharsets.UTF_8));
        }
    }

    private final KvStateMachine stateMachine;
    private final Replica replica;
    private final Supplier<LeaderLog> leaders;
    private final FollowerLog follower;
    private final Duration commitTimeout;

    private KvService(KvStateMachine stateMachine, Replica replica, Supplier<LeaderLog> leaders, FollowerLog follower, Duration commitTimeout) {
        this.stateMachine = stateMachine;
        this.replica = replica;
        this.leaders = leaders;
        this.follower = follower;
        this.commitTimeout = commitTimeout;
    }

    public static KvService ofLeader(KvStateMachine stateMachine, LeaderLog leader, Duration commitTimeout) {
        return new KvService(stateMachine, leader.replica(), () -> leader, null, commitTimeout);
    }

    public static KvService ofFollower(KvStateMachine stateMachine, FollowerLog follower) {
        return new KvService(stateMachine, follower.replica(), () -> null, follower, Duration.ZERO);
    }

    /**
     * A node whose role changes with elections: it serves as the leader while {@code leader}
     * gives one, and otherwise as a follower that names the leader its stream came from.
     */
    public static KvService ofPeer(KvStateMachine stateMachine, FollowerLog follower, Supplier<LeaderLog> leader, Duration commitTimeout) {
        return new KvService(stateMachine, follower.replica(), leader, follower, commitTimeout);
    }

    /** A write; {@code executor} keeps its timer and completes its answer. */
    public CompletableFuture<Response> write(KvCommand command, EventExecutor executor) {
        LeaderLog leader = leaders.get();
        if (leader == null) {
            return CompletableFuture.completedFuture(notTheLeader());
        }
        if (leader.backlogged()) {
            // Nothing was proposed: the outcome is known, and a retry later may succeed.
            return CompletableFuture.completedFuture(Response.json(503, Map.of("error",
                    "the leader's disk is behind its writes; nothing was written, try again")));
        }
        LeaderLog.Proposal proposal;
        try {
            proposal = leader.propose(command.encode());
        } catch (LogFailedException e) {
            return CompletableFuture.completedFuture(Response.json(503, Map.of("error", e.getMessage() + "; this node takes no writes")));
        } catch (NotLeaderException e) {
            return CompletableFuture.completedFuture(notTheLeader()); // stepped down just now; nothing was proposed
        }
        CompletableFuture<Response> answer = new CompletableFuture<>();
        var timer = executor.schedule(() -> {
            if (answer.complete(unknown(proposal.index(), "not committed within " + seconds(commitTimeout) + ": "
                    + leader.progress(proposal.index())))) {
                leader.forget(proposal.index());
            }
        }, commitTimeout.toNanos(), TimeUnit.NANOSECONDS);
        // A put or a delete is answered once committed: every later read and write is ordered after it.
        // A compare-and-set's answer is the state machine's, once applied.
        CompletableFuture<byte[]> done = command.op() == KvCommand.Op.CAS ? proposal.applied()
                : proposal.committed().thenApply(index -> KvResult.DONE.encode());
        done.whenComplete((bytes, failure) -> {
            timer.cancel(false);
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                // The entry may be on followers' disks and commit there: the outcome is unknown, not failed.
                answer.complete(unknown(proposal.index(), cause.getMessage()));
                return;
            }
            KvResult result = KvResult.decode(bytes);
            Map<String, Object> body = new LinkedHashMap<>();
            if (result.applied()) {
                body.put("index", proposal.index());
                answer.complete(Response.json(200, body));
            } else {
                body.put("error", "compare failed: " + command.key() + " has another value");
                body.put("current", result.current() == null ? null : new String(result.current(), StandardCharsets.UTF_8));
                body.put("index", proposal.index());
                answer.complete(Response.json(409, body));
            }
        });
        return answer;
    }

    /**
     * A read: linearizable on the leader; on a follower only {@code stale}, from what it has
     * applied. The leader answers once everything committed when the read arrived is applied,
     * and, when elected, once a majority has confirmed it still leads ({@link LeaderLog#readIndex}).
     */
    public CompletableFuture<Response> read(String key, boolean stale, EventExecutor executor) {
        if (stale) {
            return CompletableFuture.completedFuture(value(key));
        }
        LeaderLog leader = leaders.get();
        if (leader == null) {
            return CompletableFuture.completedFuture(notTheLeader());
        }
        CompletableFuture<Response> answer = new CompletableFuture<>();
        // Every write committed before this read, including those of an earlier run of this
        // leader: their commit is known for sure only once this term's first entry has committed.
        var timer = executor.schedule(() -> answer.complete(Response.json(503, Map.of("error", replica.commitIndex() < leader.termStart()
                ? "this leader has not committed the first entry of its term within " + seconds(commitTimeout)
                + " (are its followers reachable?); a read now could miss acknowledged writes"
                : "no majority confirmed within " + seconds(commitTimeout) + " that this node still leads, or the writes committed"
                + " before this read were not applied"))), commitTimeout.toNanos(), TimeUnit.NANOSECONDS);
        leader.readIndex().thenCompose(replica::appliedUpTo).whenComplete((ok, failure) -> {
            timer.cancel(false);
            answer.complete(failure == null ? value(key) : notTheLeader());
        });
        return answer;
    }

    private Response value(String key) {
        byte[] value = stateMachine.get(key);
        return value == null ? Response.json(404, Map.of("error", "not found: " + key)) : new Response(200, false, value);
    }

    private Response notTheLeader() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "not the leader");
        FollowerLog.LeaderInfo known = follower == null ? null : follower.leader();
        body.put("leader", known == null || known.clientAddress().isEmpty() ? null : known.clientAddress());
        return Response.json(503, body);
    }

    private static Response unknown(long index, String why) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("outcome", "unknown");
        body.put("error", why + "; the write may still commit");
        body.put("index", index);
        return Response.json(504, body);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
