package dev.repl.api;

import dev.repl.liveness.StateListener;
import dev.repl.node.HeartbeatObserver;
import dev.repl.replication.ClientRequests;
import dev.repl.runtime.NodeRuntime;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node running in this JVM: a fixed follower, a fixed leader, or a member that elects its
 * leader, as its {@link NodeConfig} says, replicating the commands it is given to the
 * {@link StateMachine} on every node. {@code repl node} is one of these.
 *
 * <pre>{@code
 * try (ReplNode node = ReplNode.create(config, new Counter(), NodeListener.NONE).start()) {
 *     Outcome outcome = node.propose(command).join();
 * }
 * }</pre>
 *
 * {@link #start} and {@link #close} are idempotent; close releases every thread, connection and
 * buffer the node holds. Every method is thread-safe.
 */
public final class ReplNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplNode.class);

    private final NodeConfig config;
    private final StateMachine stateMachine;
    private final NodeListener listener;
    private final ScheduledExecutorService events;
    private final ScheduledExecutorService timers;
    private final ExecutorService answers;
    private final NodeRuntime runtime;
    private boolean started;
    private boolean closed;

    private ReplNode(NodeConfig config, StateMachine stateMachine, NodeListener listener) {
        this.config = config;
        this.stateMachine = stateMachine;
        this.listener = listener;
        this.events = Executors.newSingleThreadScheduledExecutor(daemon(config.name() + "-events"));
        this.timers = Executors.newSingleThreadScheduledExecutor(daemon(config.name() + "-timers"));
        this.answers = Executors.newSingleThreadExecutor(daemon(config.name() + "-answers"));
        HeartbeatObserver heartbeats = listener == NodeListener.NONE ? HeartbeatObserver.NONE
                : (channel, sequence) -> tell(listener::heartbeatAnswered);
        // Every change, in order, as the failure detectors make it; told on the events thread, never on the link's loop.
        StateListener health = listener == NodeListener.NONE ? StateListener.NONE
                : (follower, from, to, evidence, atNanos) -> tell(() -> listener.followerHealthChanged(follower.name(), from, to));
        try {
            this.runtime = new NodeRuntime(config, stateMachine, heartbeats, health);
        } catch (RuntimeException e) {
            events.shutdownNow();
            timers.shutdownNow();
            answers.shutdownNow();
            throw e;
        }
    }

    /** Calls the listener on the events thread; what it throws is logged, and the node goes on. */
    private void tell(Runnable call) {
        try {
            events.execute(() -> {
                try {
                    call.run();
                } catch (RuntimeException e) {
                    log.warn("{}: listener: {}", config.name(), e.toString());
                }
            });
        } catch (RejectedExecutionException closed) {
            // Closed: nobody is listening any more.
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * A node that is not started yet.
     *
     * @param stateMachine what its log drives; required with a data directory, a {@link KeyValueStore}
     *                     with a client address, and null without a data directory (heartbeats only)
     * @param listener     told of role, leader and follower-health changes; {@link NodeListener#NONE} for none
     * @throws IllegalArgumentException when the state machine does not fit the configuration
     * @throws NodeStartException       when the TLS files or the data directory cannot be used
     */
    public static ReplNode create(NodeConfig config, StateMachine stateMachine, NodeListener listener) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(listener, "listener");
        if (config.dataDir() != null && stateMachine == null) {
            throw new IllegalArgumentException("a node with a data directory needs a state machine");
        }
        if (config.dataDir() == null && stateMachine != null) {
            throw new IllegalArgumentException("a state machine needs a log: give the node a data directory");
        }
        if (config.clientAddress() != null && !(stateMachine instanceof KeyValueStore)) {
            throw new IllegalArgumentException("clientAddress serves the bundled key-value store: run a KeyValueStore, or drop the client address");
        }
        return new ReplNode(config, stateMachine, listener);
    }

    /**
     * Reads the files a configuration names (its TLS certificate, key and CA) as a start would,
     * without binding, opening or starting anything: a configuration that passes starts, unless an
     * address is taken or the data directory cannot be used.
     *
     * @param config the configuration to check
     * @throws NodeStartException naming the file and what is wrong with it
     */
    public static void check(NodeConfig config) {
        NodeRuntime.security(config);
    }

    /**
     * A node that keeps no log: it answers or sends heartbeats, and elects nothing.
     *
     * @param config its configuration, without a data directory
     * @return the node, not started
     */
    public static ReplNode create(NodeConfig config) {
        return create(config, null, NodeListener.NONE);
    }

    /**
     * Binds its addresses and starts; returns at once, with elections and links running in the
     * background. Idempotent.
     *
     * @return this node
     * @throws NodeStartException    when an address cannot be bound; the node is closed then
     * @throws IllegalStateException when the node is closed: a node does not start twice
     */
    public synchronized ReplNode start() {
        if (closed) {
            throw new IllegalStateException(config.name() + " is closed");
        }
        if (started) {
            return this;
        }
        try {
            runtime.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        started = true;
        if (listener != NodeListener.NONE) {
            events.scheduleWithFixedDelay(new Watcher(), 0, NodeListener.POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Proposes {@code command} to the cluster. The future completes once the outcome is known,
     * never exceptionally, and, once the command was written, on this node's
     * {@code <name>-answers} thread, one answer at a time, so code chained to it never holds up
     * the log (a slow one holds up the next answer):
     * {@link Outcome.Committed} once committed and applied here, with the state machine's
     * result; {@link Outcome.Rejected} at once when nothing was written (this node does not lead,
     * its disk is behind, its log failed, it keeps no log, or the command is over
     * {@link LogOptions#maxCommandBytes}); {@link Outcome.Unknown} when it was written but did not
     * commit within the {@link LogOptions#commitTimeout}, or this node stopped leading or closed
     * first.
     *
     * @param command what {@link StateMachine#apply} will be given on every node; not empty
     * @return the outcome, once known
     * @throws IllegalArgumentException for an empty command
     * @throws IllegalStateException    when this node, which keeps a log, is not started or is closed
     */
    public CompletableFuture<Outcome> propose(byte[] command) {
        Objects.requireNonNull(command, "command");
        if (command.length == 0) {
            throw new IllegalArgumentException("a command must not be empty");
        }
        ClientRequests requests = runtime.requests();
        if (requests == null) {
            return CompletableFuture.completedFuture(noLog());
        }
        checkStarted();
        return answered(requests.propose(command, true, timers));
    }

    /**
     * A linearizable read: {@link StateMachine#query} runs, on {@code <name>-answers}, once
     * this node has applied every entry committed before the call and, when elected, a majority
     * has confirmed that it still leads, so it sees every write acknowledged before it. Fails with
     * a {@link RejectedException} on a node that does not lead, cannot confirm it does within the
     * commit timeout, or keeps no log; nothing was read then. What {@code query} throws fails it
     * too.
     *
     * @param request what {@link StateMachine#query} is given
     * @return its answer
     */
    public CompletableFuture<byte[]> query(byte[] request) {
        Objects.requireNonNull(request, "request");
        ClientRequests requests = runtime.requests();
        if (requests == null) {
            return CompletableFuture.failedFuture(new RejectedException(noLog()));
        }
        checkStarted();
        return requests.readBarrier(timers).thenApplyAsync(ok -> stateMachine.query(request), answers);
    }

    /**
     * A read of what this node has applied, on any node and at once, on the caller's thread: it
     * may miss recent writes, or, on a node cut off from its leader, many.
     *
     * @param request what {@link StateMachine#query} is given
     * @return its answer
     * @throws RejectedException on a node that keeps no log
     */
    public byte[] queryStale(byte[] request) {
        Objects.requireNonNull(request, "request");
        if (stateMachine == null) {
            throw new RejectedException(noLog());
        }
        return stateMachine.query(request);
    }

    public NodeConfig config() {
        return config;
    }

    public Role role() {
        return runtime.role();
    }

    /**
     * The term this node is in: an elected member's; a fixed leader's log's (0 without a log); on
     * a fixed follower, the term its leader's heartbeats carry (0 until one is heard).
     *
     * @return the term
     */
    public long term() {
        return runtime.term();
    }

    /** The leader this node knows: its own name while it leads; empty when none is known. */
    public Optional<String> leader() {
        return Optional.ofNullable(runtime.leader());
    }

    /** While this node leads, each follower's health by name; otherwise empty. */
    public Map<String, FollowerState> followers() {
        return runtime.followers();
    }

    /** Where it listens for links, once started (the port chosen when the configuration said 0). */
    public InetSocketAddress listenAddress() {
        return runtime.listening();
    }

    /** Where the key-value HTTP API listens, once started; empty without one. */
    public Optional<InetSocketAddress> clientAddress() {
        return Optional.ofNullable(runtime.clientBound());
    }

    /** Where the admin endpoint listens, once started; empty without one. */
    public Optional<InetSocketAddress> adminAddress() {
        return Optional.ofNullable(runtime.adminBound());
    }

    /** Stops and releases everything; proposals still pending end {@link Outcome.Unknown}. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        runtime.close();
        events.shutdownNow();
        timers.shutdownNow();
        answers.shutdown(); // the answers close gave still reach their futures
    }

    /** {@code outcome}, completed on the answers thread: a proposer's code never runs on the applier or an event loop. */
    private CompletableFuture<Outcome> answered(CompletableFuture<Outcome> outcome) {
        CompletableFuture<Outcome> answer = new CompletableFuture<>();
        outcome.whenComplete((o, failure) -> {
            try {
                answers.execute(() -> answer.complete(o));
            } catch (RejectedExecutionException closed) {
                answer.complete(o); // closed: nothing of the node's is left to hold up
            }
        });
        return answer;
    }

    private synchronized void checkStarted() {
        if (!started || closed) {
            throw new IllegalStateException(config.name() + (closed ? " is closed" : " is not started"));
        }
    }

    private Outcome.Rejected noLog() {
        return new Outcome.Rejected(Outcome.Reason.NO_LOG, config.name() + " keeps no log: it was started without a data directory", null);
    }

    /** Looks at role and leader, and tells the listener what changed since the last look. */
    private final class Watcher implements Runnable {
        private Role role;
        private long term = -1;
        private String leader;
        private boolean leaderSeen;

        @Override
        public void run() {
            try {
                Role r = runtime.role();
                long t = runtime.term();
                if (r != role || t != term) {
                    role = r;
                    term = t;
                    listener.roleChanged(r, t);
                }
                String l = runtime.leader();
                if (!leaderSeen || !Objects.equals(l, leader)) {
                    leaderSeen = true;
                    leader = l;
                    listener.leaderChanged(l);
                }
            } catch (RuntimeException e) {
                log.warn("{}: listener: {}", config.name(), e.toString());
            }
        }
    }
}
