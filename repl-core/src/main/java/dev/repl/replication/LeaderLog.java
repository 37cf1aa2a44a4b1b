package dev.repl.replication;

import dev.repl.api.Acks;
import dev.repl.api.LogOptions;
import dev.repl.api.Peer;
import dev.repl.election.ReadIndex;
import dev.repl.handshake.Identity;
import dev.repl.log.LogFailedException;
import dev.repl.log.RecordCodec;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.NameResolution;
import dev.repl.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed leader's side of replication. At start it takes a term one above any its data
 * directory has seen, and opens it with an empty (no-op) entry, so the entries of earlier terms
 * commit with the first of its own. It numbers each proposal, hands it to the log's writer, and
 * ships it to every follower through a {@link Replicator} each. An index commits once enough
 * durable copies hold it ({@link Acks}, {@link CommitRule}); the applier then applies it and
 * completes the proposal. Nothing here blocks an event loop.
 */
public final class LeaderLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaderLog.class);

    /**
     * A proposal the log has taken: its index; a future that completes once it is committed
     * (durable at the promised level: a write that needs no answer from the state machine may be
     * answered then); and one that completes with the state machine's answer once applied.
     */
    public record Proposal(long index, CompletableFuture<Long> committed, CompletableFuture<byte[]> applied) {
    }

    private final String name;
    private final Replica replica;
    private final LogOptions options;
    private volatile String clientAddress = "";
    private final long term;
    private final List<Replicator> replicators = new ArrayList<>();
    private final EventLoopGroup group;
    private final NameResolution names;
    private final Object proposing = new Object();
    private final ProposalTimes proposalTimes = new ProposalTimes();
    /** Proposals waiting to commit, by index: completed, in order, as the commit index passes them. */
    private final java.util.concurrent.ConcurrentSkipListMap<Long, Proposal> uncommitted = new java.util.concurrent.ConcurrentSkipListMap<>();
    /** For an elected leader: who to tell of a later term, and the reads that wait for a majority's word. Null for a fixed leader. */
    private final LongConsumer superseded;
    private final ReadIndex reads;
    private long lastProposed;
    private volatile boolean closed;
    private volatile long termStart;
    private final long incarnation;

    private LeaderLog(String name, Replica replica, LogOptions options, long term, long incarnation, List<Peer> followers,
                      LinkSecurity security, LongConsumer superseded) {
        this.name = name;
        this.superseded = superseded;
        this.reads = superseded == null ? null : new ReadIndex(followers.stream().map(Peer::name).toList());
        this.replica = replica;
        this.options = options;
        this.term = term;
        this.incarnation = incarnation;
        this.lastProposed = replica.segments().lastIndex();
        this.group = Transport.get().newGroup(1, name + "-replication");
        this.names = new NameResolution(name + "-replication", NameResolution.SYSTEM);
        Identity self = new Identity(dev.repl.protocol.LinkRole.REPLICATION, name, term, 0);
        for (Peer follower : followers) {
            replicators.add(new Replicator(this, follower, group.next(), Transport.get().clientBootstrap(group, names), security, self));
        }
    }

    /**
     * Takes the next term, durably, and opens it with a no-op entry; {@link #serve} starts the
     * replication.
     */
    public static LeaderLog start(String name, Replica replica, LogOptions options, List<Peer> followers, LinkSecurity security) {
        return lead(name, replica, options, followers, security, replica.currentTerm() + 1, null);
    }

    /**
     * Leads {@code term}, which this node has just won in an election (its vote for itself is
     * durable), and opens it with a no-op entry.
     *
     * @param superseded told (on any thread) of a later term a follower has seen: this leader must step down
     */
    public static LeaderLog elected(String name, Replica replica, LogOptions options, List<Peer> followers, LinkSecurity security,
                                    long term, LongConsumer superseded) {
        return lead(name, replica, options, followers, security, term, Objects.requireNonNull(superseded));
    }

    private static LeaderLog lead(String name, Replica replica, LogOptions options, List<Peer> followers, LinkSecurity security, long term,
                                  LongConsumer superseded) {
        if (term > Identity.MAX_TERM) {
            throw new IllegalStateException(name + ": term " + term + " is beyond what a hello carries");
        }
        long incarnation = ThreadLocalRandom.current().nextLong();
        try {
            // It leads this term, durably: a follower that knows the term knows who leads it.
            if (!replica.follow(term, new ReplicationCodec.Leader(term, incarnation, name, "").id()).get(30, TimeUnit.SECONDS)) {
                throw new NotLeaderException(name + ": term " + term + " is no longer this node's to lead (term " + replica.currentTerm()
                        + " follows " + replica.votedFor() + ")");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(name + ": cannot record term " + term + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted while recording term " + term, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(name + ": recording term " + term + " took more than 30 s", e);
        }
        LeaderLog leader = new LeaderLog(name, replica, options, term, incarnation, followers, security, superseded);
        replica.writer().listen(leader::written, index -> leader.recomputeCommit());
        try {
            leader.termStart = leader.propose(new byte[0]).index();
        } catch (RuntimeException e) {
            leader.close();
            throw e;
        }
        log.atInfo().addKeyValue("event", "leading").addKeyValue("term", term).addKeyValue("acks", options.acks().name().toLowerCase())
                .log("{}: leading term {} with {} follower(s), acks {}; log ends at {}", name, term, followers.size(),
                options.acks().name().toLowerCase(), replica.segments().lastIndex());
        return leader;
    }

    /**
     * Starts replicating to every follower.
     *
     * @param clientAddress where clients reach this leader, for followers to send them to ("" if nowhere)
     */
    public void serve(String clientAddress) {
        this.clientAddress = clientAddress;
        replicators.forEach(Replicator::start);
    }

    public String name() {
        return name;
    }

    public long term() {
        return term;
    }

    /** What this leader says of itself when it opens a stream. */
    ReplicationCodec.Leader hello() {
        return new ReplicationCodec.Leader(term, incarnation, name, clientAddress);
    }

    /**
     * The index of this term's first entry. Until it commits, this leader's commit index may be
     * behind what an earlier run of it committed (a restart forgets the commit index), so a read
     * must wait for it (Raft, section 8).
     */
    public long termStart() {
        return termStart;
    }

    public Replica replica() {
        return replica;
    }

    LogOptions options() {
        return options;
    }

    ProposalTimes proposalTimes() {
        return proposalTimes;
    }

    /**
     * Whether the log's writer has more than four in-flight windows of proposals queued: the disk
     * is slower than the writes coming in, and taking more would only grow memory.
     */
    public boolean backlogged() {
        return replica.writer().pendingBytes() > 4 * options.maxInflightBytes();
    }

    /**
     * Appends a command to the log and ships it.
     *
     * @throws LogFailedException when the log can no longer be written: nothing was proposed
     */
    public Proposal propose(byte[] command) {
        LogFailedException failed = replica.writer().failure();
        if (failed != null) {
            throw failed;
        }
        ByteBuf record = ByteBufAllocator.DEFAULT.ioBuffer(RecordCodec.size(command.length));
        long index;
        CompletableFuture<byte[]> applied;
        CompletableFuture<Long> committed = new CompletableFuture<>();
        synchronized (proposing) {
            if (closed) {
                record.release();
                throw new NotLeaderException(name + " no longer leads term " + term + "; nothing was written");
            }
            index = ++lastProposed;
            RecordCodec.write(record, term, index, command);
            applied = replica.applier().await(index, term);
            uncommitted.put(index, new Proposal(index, committed, applied));
            proposalTimes.proposed(index, System.nanoTime());
            replica.tail().add(index, term, record);
            // Queued under the lock, so the log receives proposals in index order.
            replica.writer().submit(segments -> {
                if (replica.currentTerm() != term) {
                    // Superseded while this waited: the new leader's entries may already be at this index.
                    throw new NotLeaderException(name + " no longer leads term " + term);
                }
                segments.append(record);
                return null;
            }, record.readableBytes()).whenComplete((ok, failure) -> {
                record.release(); // here, not in the change: a change refused by a failed log never runs
                if (failure != null) {
                    forget(index);
                    applied.completeExceptionally(failure);
                    committed.completeExceptionally(failure);
                }
            });
        }
        for (Replicator r : replicators) {
            r.wake(); // followers are sent it from memory, alongside the leader's own write
        }
        return new Proposal(index, committed, applied);
    }

    /** The last index proposed: the end of this leader's log, written or not. */
    long lastIndex() {
        synchronized (proposing) {
            return lastProposed;
        }
    }

    /** Forgets a proposal whose client was answered otherwise (it timed out); it may still commit. */
    public void forget(long index) {
        replica.applier().forget(index, term);
        uncommitted.remove(index);
    }

    /** Entries up to {@code lastIndex} are in the log's files: followers may be sent them. */
    private void written(long lastIndex) {
        if (closed) {
            return; // told by the writer just as this leader stepped down: its replicators are gone
        }
        for (Replicator r : replicators) {
            r.wake();
        }
    }

    /** Moves the commit index as far as the durable copies allow. Any thread. */
    synchronized void recomputeCommit() {
        if (closed) {
            return; // a deposed leader's answers no longer move anything: the new leader's do
        }
        long[] matches = matches();
        long candidate = CommitRule.durableOnEnough(options.acks(), replica.writer().durableIndex(), matches);
        long current = replica.commitIndex();
        long next = CommitRule.advance(current, candidate, replica.termAt(candidate), term);
        if (next > current) {
            replica.applier().commit(next);
            var done = uncommitted.headMap(next, true);
            done.forEach((index, proposal) -> proposal.committed().complete(index));
            done.clear();
        }
    }

    private long[] matches() {
        long[] matches = new long[replicators.size()];
        for (int i = 0; i < matches.length; i++) {
            matches[i] = replicators.get(i).matchIndex();
        }
        return matches;
    }

    /** How far a write at {@code index} got, for an answer that its outcome is unknown: {@code 2 of 3 needed, 1 durable}. */
    public String progress(long index) {
        int nodes = replicators.size() + 1;
        int copies = CommitRule.copies(index, replica.writer().durableIndex(), matches());
        return options.acks().needed(nodes) + " of " + nodes + " needed, " + copies + " durable";
    }

    /** Every follower's replication state, in configuration order. */
    public List<FollowerReplication> followers() {
        List<FollowerReplication> all = new ArrayList<>(replicators.size());
        for (Replicator r : replicators) {
            all.add(r.status());
        }
        return all;
    }

    /**
     * Stops replicating, closes every stream and ends the threads. Idempotent. Not under this
     * object's lock: the stream threads it waits for may be waiting for that lock to commit.
     */
    @Override
    public void close() {
        synchronized (proposing) {
            if (closed) {
                return;
            }
            closed = true;
        }
        replica.writer().listen(index -> { }, index -> { });
        replicators.forEach(Replicator::stop);
        Transport.shutdown(group);
        names.close();
        // What did not commit under this leader may still commit under the next, or be replaced:
        // its outcome is unknown, and the applier must not answer it with another leader's entry.
        NotLeaderException gone = new NotLeaderException(name + " stopped leading term " + term + " before the write committed");
        uncommitted.values().forEach(p -> {
            replica.applier().forget(p.index(), term);
            p.applied().completeExceptionally(gone);
            p.committed().completeExceptionally(gone);
        });
        uncommitted.clear();
        if (reads != null) {
            reads.fail(new NotLeaderException(name + " stopped leading term " + term));
        }
    }

    /** Whether this leader was elected: it steps down on a later term, and proves its lead before each read. */
    boolean elected() {
        return superseded != null;
    }

    /** A follower has seen {@code laterTerm}: an elected leader steps down. Any thread. */
    void superseded(long laterTerm) {
        if (superseded != null) {
            superseded.accept(laterTerm);
        }
    }

    /**
     * Completes with a commit index that covers every write acknowledged before this call, once a
     * majority has confirmed this node still leads (ReadIndex); a fixed leader has no rival and
     * answers at once. Completes exceptionally if this node stops leading first.
     */
    public CompletableFuture<Long> readIndex() {
        long index = Math.max(replica.commitIndex(), termStart);
        if (reads == null) {
            return CompletableFuture.completedFuture(index);
        }
        CompletableFuture<Void> confirmed = reads.begin();
        replicators.forEach(Replicator::confirm);
        return confirmed.thenApply(v -> index);
    }

    /** The round a message sent to a follower now carries, for {@link #readIndex}. */
    long readRound() {
        return reads == null ? 0 : reads.round();
    }

    /** {@code follower} answered a message that carried {@code round}, in this term. */
    void acknowledged(String follower, long round) {
        if (reads != null) {
            reads.acknowledged(follower, round);
        }
    }
}
