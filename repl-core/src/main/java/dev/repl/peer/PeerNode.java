package dev.repl.peer;

import dev.repl.admin.NodeStatus;
import dev.repl.api.ConnectionOptions;
import dev.repl.api.DetectorConfig;
import dev.repl.api.KeyValueStore;
import dev.repl.api.LogOptions;
import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.config.Addresses;
import dev.repl.config.ReplicationConfig;
import dev.repl.election.Election;
import dev.repl.election.ElectionStatus;
import dev.repl.failure.LogThrottle;
import dev.repl.failure.RepeatedFailure;
import dev.repl.kv.KvServer;
import dev.repl.kv.KvService;
import dev.repl.leader.LeaderNode;
import dev.repl.liveness.FollowerStatus;
import dev.repl.liveness.StateListener;
import dev.repl.log.DataDir;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.node.NodeServer;
import dev.repl.replication.ClientRequests;
import dev.repl.replication.FollowerLog;
import dev.repl.replication.LeaderLog;
import dev.repl.replication.Replica;
import dev.repl.transport.LinkSecurity;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A node that elects its leader with its peers (Raft). It listens on its address in every role —
 * heartbeats are answered and the leader's replication stream followed, as by a fixed follower —
 * and runs the {@link Election} on a thread of its own, which may wait for the disk (a vote is
 * durable before it is given) and never runs on an event loop. The election is fed by what the
 * node already watches: the heartbeats its {@link LeaderTracker} sees and the replication stream
 * its {@link FollowerLog} accepts; as leader, by the acks its failure detectors count
 * (check-quorum). Winning starts a {@link LeaderLog} and heartbeat links in the won term; losing
 * the lead closes both. Start and close are idempotent.
 */
public final class PeerNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerNode.class);

    /**
     * @param peers         the other members, named by id, at the addresses they listen on
     * @param clientAddress where the key-value API listens, or null for none
     * @param knownHost     the host the other members know this one by (its own entry's): followers send clients there
     *                      when the key-value API listens on every interface
     */
    public record Config(String id, NodeAddress listen, List<Peer> peers, Duration electionTimeout, DetectorConfig detector,
                         ConnectionOptions options, LinkSecurity security, LogOptions log, NodeAddress clientAddress, String knownHost) {

        public Config {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(knownHost, "knownHost");
            peers = List.copyOf(peers);
            if (electionTimeout.compareTo(detector.heartbeatInterval().multipliedBy(3)) < 0) {
                throw new IllegalArgumentException("election timeout " + electionTimeout.toMillis() + " ms is under three heartbeat intervals ("
                        + detector.heartbeatInterval().toMillis() + " ms): followers would stand between heartbeats");
            }
        }
    }

    private final Config config;
    private final Replica replica;
    private final StateListener health;
    private final ClientRequests requests;
    private final long timeoutNanos;
    private final ScheduledExecutorService thread;
    private final Election election;
    private final FollowerLog followerLog;
    private final NodeServer server;
    private final VoteCaller votes;
    private final KvServer clients;
    private final MemberClaims claims;
    /** A member left out of the others' --peers is refused every second: its refusals are logged once a minute per peer. */
    private final LogThrottle refusals = LogThrottle.perMinute();
    private volatile LeaderLog leaderLog;
    private volatile LeaderNode links;
    private volatile Election.Status view;
    private volatile String clientAddress = "";
    private volatile InetSocketAddress clientBound;
    private boolean started;
    private boolean closed;

    public PeerNode(Config config, Replica replica) {
        this(config, replica, StateListener.NONE);
    }

    /** @param health told of its followers' state changes while it leads, on their links' event loops */
    public PeerNode(Config config, Replica replica, StateListener health) {
        this.health = health;
        this.config = config;
        this.replica = replica;
        this.timeoutNanos = config.electionTimeout().toNanos();
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, config.id() + "-election");
            t.setDaemon(true);
            return t;
        });
        List<String> ids = config.peers().stream().map(Peer::name).toList();
        this.claims = MemberClaims.logged(config.id(), ids);
        this.election = new Election(config.id(), ids, timeoutNanos, new DurableVote(), new LogEnd(), new Effects(),
                new java.util.Random(ThreadLocalRandom.current().nextLong()));
        DataDir.VotesWithheld withheld = replica.votesWithheld();
        if (withheld != null) {
            election.withholdVotes(withheld.throughTerm(), withheld.untilIndex(), "records it may have acknowledged were lost");
        }
        this.view = election.status();
        this.followerLog = new FollowerLog(config.id(), replica, config.log(), new Votes());
        this.requests = new ClientRequests(replica, () -> leaderLog, followerLog, config.log());
        this.server = new NodeServer(config.id(), config.listen(), config.options(), config.security(), HeartbeatObserver.NONE, followerLog,
                replica::currentTerm);
        this.votes = new VoteCaller(config.id(), config.security(), timeoutNanos, config.log().maxFrameBytes());
        this.clients = config.clientAddress() == null ? null : new KvServer(config.id(), config.clientAddress(),
                config.security().serverContext(), config.options(), new KvService((KeyValueStore) replica.stateMachine(), requests),
                config.log().maxValueBytes());
    }

    /** Listens, serves clients, and starts the election clock. @return the address it listens on */
    public synchronized InetSocketAddress start() {
        if (closed) {
            throw new IllegalStateException(config.id() + " is closed");
        }
        InetSocketAddress bound = server.start();
        if (started) {
            return bound;
        }
        started = true;
        if (clients != null) {
            clientBound = clients.start();
            clientAddress = Addresses.advertised(clientBound, config.knownHost());
        }
        onThread(() -> election.start(System.nanoTime()));
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(5), timeoutNanos / 20);
        thread.scheduleAtFixedRate(RepeatedFailure.guard(log, config.id() + ": election tick", () -> step(this::tick)), tick, tick,
                TimeUnit.NANOSECONDS);
        log.atInfo().addKeyValue("event", "peers").addKeyValue("peers", ids()).log("{}: electing a leader with {} (election timeout {} ms)",
                config.id(), ids(), config.electionTimeout().toMillis());
        return bound;
    }

    /** Where the key-value API listens, once started; null without a client port. */
    public InetSocketAddress clientBound() {
        return clientBound;
    }

    public Election.Status election() {
        return view;
    }

    /** Writes and reads on whatever this member is now: the leader's log while it leads, else a refusal naming the leader. */
    public ClientRequests requests() {
        return requests;
    }

    /** While this node leads, its followers as its failure detectors see them; else none. */
    public List<FollowerStatus> followers() {
        LeaderNode heartbeats = links;
        return heartbeats == null ? List.of() : heartbeats.followers();
    }

    /** The leader's log while this node leads, else null. */
    public LeaderLog leaderLog() {
        return leaderLog;
    }

    /** What the admin endpoint shows: as leader its followers, otherwise its leader; and the election. */
    public NodeStatus status() {
        Election.Status e = view;
        LeaderLog leading = leaderLog;
        LeaderNode heartbeats = links;
        boolean leader = e.role() == Election.Role.LEADER && leading != null && heartbeats != null;
        List<FollowerStatus> followers = leader ? heartbeats.followers() : List.of();
        List<ElectionStatus.Member> members = new ArrayList<>();
        // Its entry, as the others know it, not what it binds (0.0.0.0 with --host 0.0.0.0).
        members.add(new ElectionStatus.Member(config.id(), new NodeAddress(config.knownHost(), config.listen().port()).toString(), role(e.role())));
        for (Peer p : config.peers()) {
            String role = p.name().equals(e.leader()) ? "leader" : e.leader() != null ? "follower" : "unknown";
            if (leader) {
                role = followers.stream().filter(f -> f.name().equals(p.name())).findFirst()
                        .map(f -> "follower (" + f.state().name().toLowerCase() + ")").orElse(role);
            }
            members.add(new ElectionStatus.Member(p.name(), p.address().toString(), role));
        }
        ElectionStatus.LastElection last = e.lastElection() == null ? null : new ElectionStatus.LastElection(e.lastElection().term(),
                System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - e.lastElection().atNanos()),
                e.lastElection().why());
        ElectionStatus election = new ElectionStatus(e.term(), role(e.role()), e.leader(), members, last, e.votesWithheld());
        return new NodeStatus(config.id(), role(e.role()), followers, leader ? null : server.leader(), replica.status(),
                leader ? leading.followers() : List.of(), election);
    }

    private static String role(Election.Role role) {
        return role.name().toLowerCase().replace('_', '-');
    }

    private List<String> ids() {
        return config.peers().stream().map(Peer::name).toList();
    }

    /** Runs on the election thread, and publishes the election's state for other threads. */
    private void onThread(Runnable action) {
        thread.execute(RepeatedFailure.guard(log, config.id() + ": election", () -> step(action)));
    }

    private void step(Runnable action) {
        if (closed) {
            return;
        }
        action.run();
        view = election.status();
    }

    /** Feeds the election what the node's failure detection saw since the last tick, then moves its clock. */
    private void tick() {
        long now = System.nanoTime();
        // First: with a failed log, what follows may throw (a vote cannot be made durable), and this must not be skipped.
        RuntimeException failed = replica.failure();
        if (failed != null) {
            election.cannotLead(failed.getMessage(), now);
        }
        long timeoutMs = config.electionTimeout().toMillis();
        LeaderNode heartbeats = links;
        if (election.role() == Election.Role.LEADER && heartbeats != null) {
            int heard = 1;
            for (FollowerStatus f : heartbeats.followers()) {
                if (f.lastAckAgeMs() >= 0 && f.lastAckAgeMs() < timeoutMs) {
                    heard++;
                }
            }
            if (heard >= (config.peers().size() + 1) / 2 + 1) {
                election.quorumContact(now);
            }
        } else if (election.role() != Election.Role.LEADER) {
            LeaderTracker.Status s = server.leader();
            LeaderTracker.Seen seen = s.leader();
            if (s.state() == LeaderTracker.State.UP && seen != null && seen.lastHeartbeatAgeMs() < timeoutMs
                    && claims.refusal(seen.name(), "heartbeats", seen.address()) == null) {
                election.leaderHeard(seen.term(), seen.name(), now - TimeUnit.MILLISECONDS.toNanos(seen.lastHeartbeatAgeMs()));
            }
        }
        election.tick(now);
    }

    private void lead(long term) {
        LeaderLog leading;
        try {
            leading = LeaderLog.elected(config.id(), replica, config.log(), config.peers(), config.security(), term,
                    later -> onThread(() -> election.termSeen(later, "a follower is in term " + later, System.nanoTime())));
        } catch (RuntimeException e) {
            log.warn("{}: cannot lead term {}: {}", config.id(), term, e.getMessage());
            election.stepDown("could not take the lead of term " + term + ": " + e.getMessage(), System.nanoTime());
            return;
        }
        leading.serve(clientAddress);
        leaderLog = leading;
        LeaderNode heartbeats = LeaderNode.linksOnly(config.id(), new ReplicationConfig(config.listen(), config.peers()), config.detector(),
                config.security(), term, health);
        links = heartbeats;
        heartbeats.start();
    }

    private void stopLeading() {
        LeaderNode heartbeats = links;
        links = null;
        LeaderLog leading = leaderLog;
        leaderLog = null;
        if (heartbeats != null) {
            heartbeats.close();
        }
        if (leading != null) {
            leading.close();
        }
    }

    /** Stops the election, leads no more, stops serving clients and listening. Idempotent. The replica stays its owner's. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            thread.submit(() -> {
                closed = true;
                stopLeading();
            }).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("{}: stopping the election: {}", config.id(), e.toString());
        }
        closed = true;
        thread.shutdownNow();
        votes.close();
        if (clients != null) {
            clients.close();
        }
        server.close();
    }

    /** The term and vote in the data directory, written through the log's writer, in order with its changes. */
    private final class DurableVote implements Election.Storage {

        @Override
        public long term() {
            return replica.currentTerm();
        }

        @Override
        public String votedFor() {
            return replica.votedFor();
        }

        @Override
        public boolean save(long term, String votedFor) {
            try {
                return replica.vote(term, votedFor).get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while recording term " + term, e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException(config.id() + ": cannot record term " + term + " and vote " + votedFor + ": " + e, e);
            }
        }
    }

    /**
     * Where the log ends, what the voting rule compares: read on the log's writer thread, so that
     * the index and its term come from one state of the log, and returned once all of it is durable.
     */
    private final class LogEnd implements Election.LogEnd {

        @Override
        public long[] end() {
            try {
                return replica.writer().submit(log -> new long[] {log.lastIndex(), log.lastTerm()}, 0).get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the log's end", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException(config.id() + ": cannot read the log's end: " + e, e);
            }
        }

        @Override
        public long[] peek() {
            return new long[] {replica.segments().lastIndex(), replica.segments().lastTerm()};
        }
    }

    private final class Effects implements Election.Effects {

        @Override
        public void send(String peer, Election.VoteRequest request) {
            Peer to = config.peers().stream().filter(p -> p.name().equals(peer)).findFirst().orElseThrow();
            votes.ask(to, request, answer -> {
                if (!answer.voter().equals(peer)) {
                    if (refusals.allow(peer + " as " + answer.voter())) {
                        log.warn("{}: {} at {} answered a vote request as {}; its answer does not count (is its --id wrong?)", config.id(),
                                peer, to.address(), answer.voter());
                    }
                    return;
                }
                if (!answer.granted()) {
                    boolean again = !refusals.allow(peer);
                    log.atLevel(again ? Level.DEBUG : Level.INFO).log("{}: {} refused its {}vote for term {}: {}{}", config.id(), peer,
                            request.pre() ? "pre-" : "", request.term(), answer.reason(), again ? "" : " (logged once a minute per peer)");
                }
                onThread(() -> election.receive(answer, System.nanoTime()));
            });
        }

        @Override
        public void roleChanged(Election.Role role, long term, String leader, String why) {
            log.atInfo().addKeyValue("event", "role").addKeyValue("role", role(role)).addKeyValue("term", term)
                    .addKeyValue("leader", leader).addKeyValue("reason", why)
                    .log("{}: {} in term {}{}: {}", config.id(), role(role), term, leader == null || role == Election.Role.LEADER ? ""
                            : " (leader " + leader + ")", why);
            if (role == Election.Role.LEADER) {
                lead(term);
            } else {
                stopLeading();
            }
        }
    }

    /** What the replication streams bring the election. */
    private final class Votes implements FollowerLog.Peers {

        @Override
        public CompletableFuture<Election.VoteResponse> vote(Election.VoteRequest request) {
            CompletableFuture<Election.VoteResponse> answer = new CompletableFuture<>();
            thread.execute(() -> {
                try {
                    step(() -> answer.complete(election.receive(request, System.nanoTime())));
                } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                }
                if (!answer.isDone()) {
                    answer.completeExceptionally(new IllegalStateException(config.id() + " is closing"));
                }
            });
            return answer;
        }

        @Override
        public void leaderStream(String leader, long term) {
            onThread(() -> election.leaderHeard(term, leader, System.nanoTime()));
        }

        @Override
        public String refusal(String id, String what, String from) {
            return claims.refusal(id, what, from);
        }

        @Override
        public void conflict(String id, String detail) {
            claims.conflict(id, detail);
        }
    }
}
