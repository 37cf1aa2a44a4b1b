package dev.repl.replication;

import dev.repl.api.LogOptions;
import dev.repl.config.Addresses;
import dev.repl.election.Election;
import dev.repl.log.LogFailedException;
import dev.repl.node.ReplicationStreams;
import dev.repl.protocol.ProtocolException;
import dev.repl.state.SnapshotStore;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's side of replication. Its leader opens a replication stream (a link whose hello
 * said {@code R}); on it the leader says who it is and its term, the follower answers where its
 * durable log ends, and then takes appends and snapshot chunks. Each append is checked and made
 * durable on the log's writer thread ({@link AppendRules}) and answered with the index it
 * brought the log to; what the leader says is committed, up to there, is applied. A node follows
 * one leader per term, durably ({@link Replica#follow}): a stream of an older term, or of another
 * leader (another name or incarnation) in the term it follows, is refused with its own term. A
 * member that elects its leader also refuses, before it records anything, the streams and vote
 * requests of an id that is not one of the other members ({@link Peers#refusal}).
 */
public final class FollowerLog implements ReplicationStreams {

    private static final Logger log = LoggerFactory.getLogger(FollowerLog.class);

    /** The leader this follower takes appends from, as its stream said. */
    public record LeaderInfo(String name, long term, String clientAddress) {
    }

    /** What a node that elects its leader adds to the stream: votes, and word of each leader's stream. */
    public interface Peers {
        /** The answer to a vote request; a granted vote is durable before the future completes. */
        CompletableFuture<Election.VoteResponse> vote(Election.VoteRequest request);

        /** A leader's stream in {@code term} was accepted: the leader is alive. */
        void leaderStream(String leader, long term);

        /**
         * Why {@code id} may not ask this node for a vote or lead it (it is not one of the other
         * members), or null when it may. The implementation logs a refusal.
         *
         * @param what what it sent, for the log
         * @param from where it came from, for the log
         */
        String refusal(String id, String what, String from);

        /** Two live connections claim to be member {@code id}. The implementation logs it. */
        void conflict(String id, String detail);
    }

    private final String nodeName;
    private final Replica replica;
    private final LogOptions options;
    private final Peers peers;
    private volatile LeaderInfo leader;
    private volatile Stream active;
    private volatile String refusedLeader;

    public FollowerLog(String nodeName, Replica replica, LogOptions options) {
        this(nodeName, replica, options, null);
    }

    /** @param peers votes and leader news for an election, or null for a node with a fixed leader */
    public FollowerLog(String nodeName, Replica replica, LogOptions options, Peers peers) {
        this.nodeName = nodeName;
        this.replica = replica;
        this.options = options;
        this.peers = peers;
    }

    /** The leader of the current term, or null before any stream. */
    public LeaderInfo leader() {
        return leader;
    }

    public Replica replica() {
        return replica;
    }

    /** A handler for one replication stream, for the pipeline once its hello is accepted. */
    @Override
    public ChannelHandler newStream() {
        return new Stream();
    }

    @Override
    public int maxFrameBytes() {
        return options.maxFrameBytes();
    }

    /**
     * What a snapshot chunk came to on the writer thread: written, with more to come; the whole
     * snapshot installed; or the whole snapshot refused as damaged, and why.
     */
    private record Chunk(SnapshotStore.Snapshot installed, String refused) {
        static final Chunk WRITTEN = new Chunk(null, null);
    }

    /** One leader connection. All its methods run on the channel's event loop. */
    private final class Stream extends SimpleChannelInboundHandler<ByteBuf> {

        private ChannelHandlerContext ctx;
        private LeaderInfo from;
        private String leaderId;
        private boolean greeted;
        private FileChannel incoming;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            byte type = ReplicationCodec.type(frame);
            if (from == null) {
                if (type == ReplicationCodec.VOTE && !greeted) {
                    greeted = true;
                    vote(ReplicationCodec.readVote(frame));
                    return;
                }
                if (type != ReplicationCodec.LEADER || greeted) {
                    throw new ProtocolException(greeted ? "a frame '" + (char) type + "' before this node answered the leader's frame"
                            : "a replication stream must start with the leader's frame, not '" + (char) type + "'");
                }
                greeted = true;
                leader(ReplicationCodec.readLeader(frame));
                return;
            }
            switch (type) {
                case ReplicationCodec.APPEND -> append(ReplicationCodec.readAppend(frame), frame);
                case ReplicationCodec.SNAPSHOT -> snapshotChunk(ReplicationCodec.readSnapshot(frame), frame);
                default -> throw new ProtocolException("unexpected replication frame '" + (char) type + "' from the leader");
            }
        }

        /** A vote request is the stream's only frame: answered, then the stream closes. */
        private void vote(Election.VoteRequest request) {
            if (peers == null) {
                throw new ProtocolException(request.candidate() + " asked for a vote, but this node has a fixed leader (started with --role)");
            }
            String what = request.pre() ? "a pre-vote request" : "a vote request";
            String stranger = peers.refusal(request.candidate(), what, remote());
            if (stranger != null) {
                ctx.writeAndFlush(ReplicationCodec.voted(ctx.alloc(), new Election.VoteResponse(request.pre(), replica.currentTerm(), nodeName,
                        false, stranger))).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            Stream leading = active;
            if (leading != null && leading.from.name().equals(request.candidate()) && leading.ctx.channel().isActive()) {
                // A leader does not stand while it leads: another process sent this.
                peers.conflict(request.candidate(), what + " from " + remote() + " while its stream as leader of term " + leading.from.term()
                        + " from " + leading.remote() + " is live");
            }
            peers.vote(request).whenComplete((answer, failure) -> ctx.executor().execute(() -> {
                if (failure != null) {
                    fail(failure);
                    return;
                }
                ctx.writeAndFlush(ReplicationCodec.voted(ctx.alloc(), answer)).addListener(ChannelFutureListener.CLOSE);
            }));
        }

        private void leader(ReplicationCodec.Leader hello) {
            if (peers != null && !memberMayLead(hello)) {
                return;
            }
            replica.follow(hello.term(), hello.id(), peers != null).whenComplete((follows, failure) -> ctx.executor().execute(() -> {
                if (failure != null) {
                    fail(failure);
                    return;
                }
                long last = replica.writer().durableIndex();
                long lastTerm = replica.segments().termAt(last);
                if (!follows) {
                    refuse(hello, last, lastTerm);
                    return;
                }
                from = new LeaderInfo(hello.name(), hello.term(), Addresses.reachable(hello.clientAddress(), ctx.channel().remoteAddress()));
                leaderId = hello.id();
                Stream previous = active;
                active = this;
                if (previous != null && previous != this) {
                    previous.ctx.close(); // the same leader reconnected, or a newer term took over
                }
                leader = from;
                refusedLeader = null;
                if (peers != null) {
                    peers.leaderStream(hello.name(), hello.term());
                }
                log.atInfo().addKeyValue("event", "replicating").addKeyValue("leader", hello.name()).addKeyValue("term", hello.term())
                        .addKeyValue("lastIndex", last).log("{}: replicating from {} (term {}, {}); log ends at {}", nodeName, hello.name(),
                                hello.term(), Addresses.format(ctx.channel().remoteAddress()), last);
                ctx.writeAndFlush(ReplicationCodec.position(ctx.alloc(), new ReplicationCodec.Position(hello.term(), last, lastTerm, true)));
            }));
        }

        /**
         * Refuses a stream from an id that is not one of the other members, before anything is
         * recorded; notes a second live stream claiming the id of the leader it follows.
         */
        private boolean memberMayLead(ReplicationCodec.Leader hello) {
            if (peers.refusal(hello.name(), "a replication stream", remote()) != null) {
                long last = replica.writer().durableIndex();
                ctx.writeAndFlush(ReplicationCodec.position(ctx.alloc(), new ReplicationCodec.Position(replica.currentTerm(), last,
                        replica.segments().termAt(last), false))).addListener(ChannelFutureListener.CLOSE);
                return false;
            }
            Stream leading = active;
            if (leading != null && leading.from.name().equals(hello.name()) && !leading.leaderId.equals(hello.id())
                    && leading.ctx.channel().isActive()) {
                peers.conflict(hello.name(), "a replication stream as " + hello.id() + " (term " + hello.term() + ") from " + remote()
                        + " while the one as " + leading.leaderId + " (term " + leading.from.term() + ") from " + leading.remote() + " is live");
            }
            return true;
        }

        private String remote() {
            return Addresses.format(ctx.channel().remoteAddress());
        }

        /** Tells a leader this node will not follow it, and why, in its position frame; then closes the stream. */
        private void refuse(ReplicationCodec.Leader hello, long last, long lastTerm) {
            long current = replica.currentTerm();
            String why = hello.term() < current
                    ? "its term " + hello.term() + " is older than this node's " + current
                    : "this node follows " + replica.votedFor() + " in term " + current;
            if (!hello.id().equals(refusedLeader)) {
                refusedLeader = hello.id(); // once per leader: it retries every second or so
                log.atWarn().addKeyValue("event", "leader-refused").addKeyValue("leader", hello.name()).addKeyValue("reason", why)
                        .log("{}: refused the replication stream of {} ({}, {}): {}", nodeName, hello.name(), hello.id(),
                        Addresses.format(ctx.channel().remoteAddress()), why);
            }
            ctx.writeAndFlush(ReplicationCodec.position(ctx.alloc(), new ReplicationCodec.Position(current, last, lastTerm, false)))
                    .addListener(ChannelFutureListener.CLOSE);
        }

        private void append(ReplicationCodec.Append m, ByteBuf frame) {
            if (active != this) {
                return; // a stream another took over from: closing, and what it still delivers is not to be acted on
            }
            checkTerm(m.term());
            ByteBuf records = ownCopy(frame);
            long commit = replica.commitIndex();
            long leaderTerm = from.term();
            String leaderId = this.leaderId;
            CompletableFuture<AppendRules.Outcome> done = replica.writer().submit(log -> {
                checkStillFollows(leaderId, leaderTerm);
                return AppendRules.apply(log, m.prevIndex(), m.prevTerm(), records, commit, leaderTerm);
            }, records.readableBytes());
            done.whenComplete((outcome, failure) -> {
                records.release();
                ctx.executor().execute(() -> {
                    if (failure != null) {
                        fail(failure);
                        return;
                    }
                    if (outcome.ok()) {
                        replica.applier().commit(Math.min(m.commit(), outcome.index()));
                    }
                    ctx.writeAndFlush(ReplicationCodec.appended(ctx.alloc(),
                            new ReplicationCodec.Appended(m.seq(), from.term(), outcome.ok(), outcome.index())), ctx.voidPromise());
                    resumeReading();
                });
            });
            pauseReadingIfBehind();
        }

        private void snapshotChunk(ReplicationCodec.SnapshotChunk m, ByteBuf frame) {
            if (active != this) {
                return;
            }
            checkTerm(m.term());
            ByteBuf bytes = ownCopy(frame);
            long received = m.offset() + bytes.readableBytes();
            SnapshotStore store = replica.snapshots();
            long leaderTerm = from.term();
            String leaderId = this.leaderId;
            CompletableFuture<Chunk> written = replica.writer().submit(log -> {
                checkStillFollows(leaderId, leaderTerm);
                if (m.offset() == 0) {
                    closeIncoming();
                    incoming = FileChannel.open(store.incoming(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                            StandardOpenOption.WRITE);
                } else if (incoming == null || incoming.size() != m.offset()) {
                    throw new ProtocolException("snapshot chunk at byte " + m.offset() + " where " + (incoming == null ? 0 : incoming.size())
                            + " was due");
                }
                for (int at = bytes.readerIndex(); at < bytes.writerIndex(); ) {
                    at += bytes.getBytes(at, incoming, incoming.size(), bytes.writerIndex() - at);
                }
                if (!m.last()) {
                    return Chunk.WRITTEN;
                }
                store.forceIncoming(incoming);
                closeIncoming();
                SnapshotStore.Snapshot accepted;
                try {
                    accepted = store.acceptIncoming(m.lastIndex(), m.lastTerm());
                } catch (SnapshotStore.DamagedSnapshotException e) {
                    return new Chunk(null, e.getMessage()); // deleted; the log is as it was
                }
                if (log.termAt(m.lastIndex()) == m.lastTerm()) {
                    log.compactUpTo(m.lastIndex(), m.lastTerm()); // the log agrees: keep what follows
                } else {
                    log.resetTo(m.lastIndex(), m.lastTerm());
                }
                return new Chunk(accepted, null);
            }, bytes.readableBytes());
            written.whenComplete((ok, failure) -> bytes.release());
            written.thenCompose(chunk -> chunk.installed() == null ? CompletableFuture.completedFuture(chunk)
                    : replica.applier().install(chunk.installed()).thenApply(v -> chunk)).whenComplete((chunk, failure) ->
                    ctx.executor().execute(() -> {
                        if (failure != null) {
                            fail(failure);
                            return;
                        }
                        boolean ok = chunk.refused() == null;
                        if (!ok) {
                            log.atWarn().addKeyValue("event", "snapshot-refused").addKeyValue("leader", from.name())
                                    .addKeyValue("reason", chunk.refused()).log("{}: the snapshot at index {} (term {}) from {} arrived damaged"
                                            + " ({}); deleted, and asked for again", nodeName, m.lastIndex(), m.lastTerm(), from.name(),
                                            chunk.refused());
                        } else if (chunk.installed() != null) {
                            log.info("{}: installed the leader's snapshot at index {} (term {})", nodeName, m.lastIndex(), m.lastTerm());
                        }
                        long answer = !ok ? 0 : chunk.installed() != null ? m.lastIndex() : received;
                        ctx.writeAndFlush(ReplicationCodec.snapshotted(ctx.alloc(), new ReplicationCodec.Snapshotted(m.seq(), from.term(), ok,
                                answer)), ctx.voidPromise());
                        resumeReading();
                    }));
            pauseReadingIfBehind();
        }

        /**
         * What the writer thread is handed: a copy of the frame's rest in a buffer of its own. A
         * slice would share memory the decoder manages on the event loop, and the writer would
         * write whatever that memory holds by the time its turn comes.
         */
        private ByteBuf ownCopy(ByteBuf frame) {
            return ctx.alloc().directBuffer(frame.readableBytes()).writeBytes(frame, frame.readerIndex(), frame.readableBytes());
        }

        /**
         * On the writer thread, before a leader's frame changes anything or is answered: a newer
         * term may have been taken since the frame was read (a vote, a newer leader's stream), and
         * an answer in the old term would count toward the old leader's majority.
         */
        private void checkStillFollows(String leaderId, long leaderTerm) {
            if (replica.currentTerm() != leaderTerm || peers == null && !leaderId.equals(replica.votedFor())) {
                throw new ProtocolException("a frame of " + leaderId + " in term " + leaderTerm + ", which this node no longer follows"
                        + " (term " + replica.currentTerm() + ")");
            }
        }

        private void closeIncoming() throws IOException {
            if (incoming != null) {
                incoming.close();
                incoming = null;
            }
        }

        private void checkTerm(long term) {
            if (term != from.term()) {
                throw new ProtocolException("a frame of term " + term + " on a stream of term " + from.term());
            }
        }

        /**
         * The writer is behind by more than the leader may have in flight, or the leader does not
         * read this node's answers: stop reading until both catch up.
         */
        private void pauseReadingIfBehind() {
            if (replica.writer().pendingBytes() > options.maxInflightBytes() || !ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        private void resumeReading() {
            if (!ctx.channel().config().isAutoRead() && ctx.channel().isWritable()
                    && replica.writer().pendingBytes() <= options.maxInflightBytes() / 2) {
                ctx.channel().config().setAutoRead(true);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                resumeReading();
            } else {
                ctx.channel().config().setAutoRead(false);
            }
            ctx.fireChannelWritabilityChanged();
        }

        private void fail(Throwable failure) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof LogFailedException) {
                log.error("{}: {}; closing the replication stream", nodeName, cause.getMessage());
                ctx.close();
            } else {
                ctx.fireExceptionCaught(cause);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (active == this) {
                active = null;
            }
            replica.writer().submit(log -> {
                closeIncoming(); // a snapshot cut off mid-way: the leader starts it again
                return null;
            }, 0);
            ctx.fireChannelInactive();
        }
    }
}
