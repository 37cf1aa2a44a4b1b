package dev.repl.kv;

import dev.repl.admin.Json;
import dev.repl.api.KeyValueStore;
import dev.repl.api.Outcome;
import dev.repl.api.RejectedException;
import dev.repl.replication.ClientRequests;
import dev.repl.replication.LeaderLog;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

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

    private final KeyValueStore stateMachine;
    private final ClientRequests requests;

    /**
     * @param requests the node's writes and reads, whatever it is now: the same {@link ClientRequests}
     *                 its {@link dev.repl.api.ReplNode} proposes through
     */
    public KvService(KeyValueStore stateMachine, ClientRequests requests) {
        this.stateMachine = stateMachine;
        this.requests = requests;
    }

    /** A write; {@code executor} keeps its timer and completes its answer. */
    public CompletableFuture<Response> write(KvCommand command, EventExecutor executor) {
        // A put or a delete is answered once committed: every later read and write is ordered after it.
        // A compare-and-set's answer is the state machine's, once applied.
        boolean cas = command.op() == KvCommand.Op.CAS;
        return requests.propose(command.encode(), cas, executor).thenApply(outcome -> {
            if (outcome instanceof Outcome.Rejected rejected) {
                return rejected.reason() == Outcome.Reason.NOT_LEADER ? notTheLeader()
                        : Response.json(rejected.reason() == Outcome.Reason.TOO_LARGE ? 413 : 503, Map.of("error", rejected.message()));
            }
            if (outcome instanceof Outcome.Unknown unknown) {
                return unknown(unknown.index(), unknown.message());
            }
            Outcome.Committed committed = (Outcome.Committed) outcome;
            KvResult result = cas ? KvResult.decode(committed.result()) : KvResult.DONE;
            Map<String, Object> body = new LinkedHashMap<>();
            if (result.applied()) {
                body.put("index", committed.index());
                return Response.json(200, body);
            }
            body.put("error", "compare failed: " + command.key() + " has another value");
            body.put("current", result.current() == null ? null : new String(result.current(), StandardCharsets.UTF_8));
            body.put("index", committed.index());
            return Response.json(409, body);
        });
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
        return requests.readBarrier(executor).handle((ok, failure) -> {
            if (failure == null) {
                return value(key);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            Outcome.Rejected rejected = ((RejectedException) cause).rejected();
            return rejected.reason() == Outcome.Reason.NOT_LEADER ? notTheLeader() : Response.json(503, Map.of("error", rejected.message()));
        });
    }

    private Response value(String key) {
        byte[] value = stateMachine.get(key);
        return value == null ? Response.json(404, Map.of("error", "not found: " + key)) : new Response(200, false, value);
    }

    private Response notTheLeader() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "not the leader");
        body.put("leader", requests.leaderClientAddress());
        return Response.json(503, body);
    }

    private static Response unknown(long index, String why) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("outcome", "unknown");
        body.put("error", why + "; the write may still commit");
        body.put("index", index);
        return Response.json(504, body);
    }
}
