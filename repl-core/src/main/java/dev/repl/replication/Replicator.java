package dev.repl.replication;

import dev.repl.api.Peer;
import dev.repl.api.client.FailureReason;
import dev.repl.handshake.Identity;
import dev.repl.log.RecordCodec;
import dev.repl.log.SegmentedLog;
import dev.repl.protocol.ProtocolException;
import dev.repl.state.SnapshotStore;
import dev.repl.transport.Backoff;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.Connector;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's replication to one follower, over its own stream (a link whose hello says
 * {@code R}), all on one event loop. It learns where the follower's log ends, then pipelines
 * appends from there: batches of whole records read from the log off the event loop, sent while
 * the channel is writable and less than {@code --max-inflight-bytes} is unacknowledged, so a
 * slow or frozen follower holds a bounded amount of the leader's memory and nothing else. A
 * refused append restarts from where the follower says; a follower behind the log's start is
 * sent the newest snapshot in chunks. A lost stream is reopened with backoff.
 */
final class Replicator {

    private static final Logger log = LoggerFactory.getLogger(Replicator.class);
    /** Nothing sent for this long: an empty append carries the commit index, and keeps the stream from going idle. */
    private static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
    /**
     * A stream on which something awaits an answer and nothing came for this long is given up and
     * reopened: a partition that drops packets silently can leave TCP retransmitting for minutes.
     */
    private static final long ANSWER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long REFUSED_RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** An append or snapshot chunk sent and not yet answered. */
    private record Sent(int seq, long lastIndex, int bytes, long round) {
    }

    private final LeaderLog leader;
    private final Peer follower;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1));
    private final AtomicBoolean wakeQueued = new AtomicBoolean();
    private final ArrayDeque<Sent> inflight = new ArrayDeque<>();

    private Future<Channel> connecting;
    private Channel channel;
    private ScheduledFuture<?> ticks;
    private boolean positioned;
    private boolean reading;
    private boolean stopped;
    private long nextIndex;
    private int nextSeq;
    private long lastSentNanos;
    private SnapshotStore.Snapshot sendingSnapshot;
    /** Open for the whole transfer: a newer snapshot deletes the file's name, not what an open channel reads. */
    private FileChannel sendingFile;
    private long lastHeardNanos;
    /** Changes when a stream closes, so that a read started for it does not touch the state of the next. */
    private int readGeneration;
    private long snapshotOffset;
    private volatile long matchIndex;
    private volatile long inflightBytes;
    private volatile String state = "connecting";
    private boolean refused;

    Replicator(LeaderLog leader, Peer follower, EventLoop loop, Bootstrap bootstrap, LinkSecurity security, Identity self) {
        this.leader = leader;
        this.follower = follower;
        this.loop = loop;
        ConnectionErrorHandler errors = new ConnectionErrorHandler(leader.name());
        this.bootstrap = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                Pipelines.connectingSide(ch.pipeline(), security, self, new Stream(), errors);
            }
        });
    }

    void start() {
        loop.execute(() -> {
            connect(0);
            ticks = loop.scheduleAtFixedRate(this::tick, TICK_NANOS, TICK_NANOS, TimeUnit.NANOSECONDS);
        });
    }

    long matchIndex() {
        return matchIndex;
    }

    /** New entries are in the log: send them, unless a send is already under way. Any thread. */
    void wake() {
        if (wakeQueued.compareAndSet(false, true)) {
            try {
                loop.execute(() -> {
                    wakeQueued.set(false);
                    pump();
                });
            } catch (RejectedExecutionException e) {
                // stopped: the leader stepped down as the writer told it of new entries
            }
        }
    }

    /**
     * A read waits for this follower's word that this node still leads: send it something now (an
     * empty append), unless it is not listening yet; its first append will carry the word.
     */
    void confirm() {
        try {
            loop.execute(this::sendEmptyAppend);
        } catch (RejectedExecutionException e) {
            // stopped: the read fails with the leader's step-down
        }
    }

    FollowerReplication status() {
        Replica replica = leader.replica();
        long match = matchIndex;
        long last = leader.lastIndex();
        long lag = Math.max(0, last - match);
        long lagMs = 0;
        if (lag > 0) {
            long at = leader.proposalTimes().proposedAt(match + 1);
            lagMs = at < 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - at);
        }
        return new FollowerReplication(follower.name(), follower.address().toString(), state, match, lag,
                lag == 0 ? 0 : replica.segments().bytesAfter(match), lagMs, inflightBytes);
    }

    private void connect(long delayNanos) {
        if (stopped) {
            return;
        }
        connecting = Connector.connect(bootstrap, loop, follower, backoff, delayNanos, Connector.NO_DEADLINE, Connector.MAX_ATTEMPT_NANOS,
                (peer, attempt, cause, retryIn) -> log.debug("{}: replication stream to {}: attempt {}: {}", leader.name(), peer, attempt,
                        FailureReason.explain(cause)));
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                connected(connecting.getNow());
            }
        });
    }

    private void connected(Channel ch) {
        if (stopped) {
            ch.close();
            return;
        }
        Pipelines.toReplication(ch.pipeline(), leader.options().maxFrameBytes());
        channel = ch;
        state = "connecting";
        lastHeardNanos = System.nanoTime();
        ch.writeAndFlush(ReplicationCodec.leader(ch.alloc(), leader.hello()));
    }

    private void tick() {
        if (channel != null && (!positioned || !inflight.isEmpty()) && System.nanoTime() - lastHeardNanos > ANSWER_TIMEOUT_NANOS) {
            log.info("{}: no answer from {} on its replication stream for {} s; reconnecting", leader.name(), follower.name(),
                    TimeUnit.NANOSECONDS.toSeconds(ANSWER_TIMEOUT_NANOS));
            channel.close();
            return;
        }
        if (System.nanoTime() - lastSentNanos > KEEPALIVE_NANOS && inflight.isEmpty()) {
            sendEmptyAppend();
        }
        pump();
    }

    /** Sends what can be sent: the next batch of the log, or the next snapshot chunk. Event loop only. */
    private void pump() {
        Channel ch = channel;
        if (ch == null || !positioned || reading || !ch.isWritable() || inflightBytes >= leader.options().maxInflightBytes()) {
            return;
        }
        if (sendingSnapshot != null) {
            sendSnapshotChunk(ch);
            return;
        }
        Replica replica = leader.replica();
        SegmentedLog segments = replica.segments();
        if (nextIndex > leader.lastIndex()) {
            return;
        }
        if (nextIndex <= segments.baseIndex()) {
            startSnapshot(); // compacted away: only the snapshot holds what the follower needs next
            return;
        }
        long prevTerm = replica.termAt(nextIndex - 1);
        if (prevTerm < 0) {
            return; // out of memory and not yet in the files: the writer's wake-up comes
        }
        int batchBytes = leader.options().maxFrameBytes() - ReplicationCodec.APPEND_HEADER_BYTES - ReplicationCodec.LENGTH_BYTES;
        ByteBuf cached = replica.tail().read(nextIndex, batchBytes, ch.alloc());
        if (cached != null) {
            send(cached, nextIndex);
            pump();
            return;
        }
        if (nextIndex > segments.lastIndex()) {
            return; // not in memory any more and not written yet: the writer's wake-up comes
        }
        reading = true;
        long from = nextIndex;
        int generation = readGeneration;
        CompletableFuture.supplyAsync(() -> {
            try {
                return segments.read(from, batchBytes, ByteBufAllocator.DEFAULT);
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, replica.reader()).whenComplete((records, failure) -> onLoop(() -> release(records), () -> {
            if (generation != readGeneration) {
                if (records != null) {
                    records.release(); // for a stream that has closed since: another read may be under way now
                }
                return;
            }
            reading = false;
            if (failure != null) {
                // Compacted away while we read, most likely: the next pump sends a snapshot instead.
                log.debug("{}: reading the log for {} from {}: {}", leader.name(), follower.name(), from, failure.toString());
                return;
            }
            if (channel != ch || from != nextIndex) {
                records.release(); // the stream changed while we read
                return;
            }
            send(records, from);
            pump();
        }));
    }

    /**
     * An append without records, which confirms this leader for a read or keeps the stream alive.
     * Not while the entry before {@link #nextIndex} is in neither memory nor the files (written
     * after it left the tail): its term would go as -1, which no log matches, and the follower's
     * refusal would send {@link #nextIndex} back and drop the window in flight. The appends the
     * writer's wake-up sends carry the read round instead.
     */
    private void sendEmptyAppend() {
        Replica replica = leader.replica();
        if (channel != null && positioned && sendingSnapshot == null && nextIndex > replica.segments().baseIndex()
                && replica.termAt(nextIndex - 1) >= 0) {
            sendAppend(ByteBufAllocator.DEFAULT.ioBuffer(0), nextIndex - 1);
        }
    }

    /** Sends the records starting at {@code from}, which is {@link #nextIndex}. */
    private void send(ByteBuf records, long from) {
        long last = RecordCodec.index(records, lastRecordAt(records));
        sendAppend(records, from - 1);
        nextIndex = last + 1;
    }

    private static int lastRecordAt(ByteBuf records) {
        int at = records.readerIndex();
        int last = at;
        while (at < records.writerIndex()) {
            last = at;
            at += RecordCodec.recordSize(records, at);
        }
        return last;
    }

    private void sendAppend(ByteBuf records, long prevIndex) {
        Replica replica = leader.replica();
        int bytes = records.readableBytes();
        long lastIndex = bytes == 0 ? prevIndex : RecordCodec.index(records, lastRecordAt(records));
        ReplicationCodec.Append m = new ReplicationCodec.Append(nextSeq++, leader.term(), replica.commitIndex(), prevIndex,
                replica.termAt(prevIndex));
        inflight.add(new Sent(m.seq(), lastIndex, bytes, leader.readRound()));
        inflightBytes += bytes;
        lastSentNanos = System.nanoTime();
        channel.writeAndFlush(ReplicationCodec.append(channel.alloc(), m, records), channel.voidPromise());
    }

    private void startSnapshot() {
        reading = true;
        Channel ch = channel;
        int generation = readGeneration;
        CompletableFuture.supplyAsync(() -> {
            try {
                Optional<SnapshotStore.Snapshot> latest = leader.replica().snapshots().latest();
                return latest.isEmpty() ? null : new Opened(latest.get(), FileChannel.open(latest.get().file(), StandardOpenOption.READ));
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, leader.replica().reader()).whenComplete((opened, failure) -> onLoop(() -> closeQuietly(opened == null ? null : opened.file()), () -> {
            if (generation != readGeneration || channel != ch) {
                closeQuietly(opened == null ? null : opened.file());
                return;
            }
            reading = false;
            Optional<SnapshotStore.Snapshot> snapshot = failure == null && opened != null ? Optional.of(opened.snapshot()) : Optional.empty();
            if (snapshot.isEmpty()) {
                log.error("{}: {} is behind the log's start ({}) and there is no snapshot to send it", leader.name(), follower.name(),
                        leader.replica().segments().firstIndex());
                return;
            }
            endSnapshot();
            sendingSnapshot = snapshot.get();
            sendingFile = opened.file();
            snapshotOffset = 0;
            state = "snapshot";
            log.info("{}: sending {} the snapshot at index {} ({} bytes)", leader.name(), follower.name(), sendingSnapshot.index(),
                    sendingSnapshot.size());
            pump();
        }));
    }

    private void sendSnapshotChunk(Channel ch) {
        SnapshotStore.Snapshot snapshot = sendingSnapshot;
        if (snapshotOffset >= snapshot.size()) {
            return; // all sent: waiting for the follower to install it
        }
        reading = true;
        int generation = readGeneration;
        long offset = snapshotOffset;
        int length = (int) Math.min(Math.min(SNAPSHOT_CHUNK_BYTES, leader.options().maxFrameBytes() - ReplicationCodec.SNAPSHOT_HEADER_BYTES),
                snapshot.size() - offset);
        FileChannel file = sendingFile;
        CompletableFuture.supplyAsync(() -> {
            ByteBuf bytes = ByteBufAllocator.DEFAULT.ioBuffer(length);
            try {
                while (bytes.writerIndex() < length) {
                    if (bytes.writeBytes(file, offset + bytes.writerIndex(), length - bytes.writerIndex()) < 0) {
                        throw new IOException(snapshot.file() + " ends early");
                    }
                }
                return bytes;
            } catch (IOException e) {
                bytes.release();
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, leader.replica().reader()).whenComplete((bytes, failure) -> onLoop(() -> release(bytes), () -> {
            if (generation != readGeneration) {
                if (bytes != null) {
                    bytes.release();
                }
                return;
            }
            reading = false;
            if (failure != null || channel != ch || sendingSnapshot != snapshot) {
                if (bytes != null) {
                    bytes.release();
                }
                if (failure != null && channel == ch && sendingSnapshot == snapshot) {
                    log.warn("{}: reading snapshot {} for {}: {}", leader.name(), snapshot.file(), follower.name(), failure.getMessage());
                    endSnapshot(); // the next pump looks for the newest one again
                }
                return;
            }
            boolean last = offset + length == snapshot.size();
            ReplicationCodec.SnapshotChunk m = new ReplicationCodec.SnapshotChunk(nextSeq++, leader.term(), snapshot.index(), snapshot.term(),
                    offset, last);
            inflight.add(new Sent(m.seq(), last ? snapshot.index() : -1, length, leader.readRound()));
            inflightBytes += length;
            snapshotOffset = offset + length;
            lastSentNanos = System.nanoTime();
            ch.writeAndFlush(ReplicationCodec.snapshot(ch.alloc(), m, bytes), ch.voidPromise());
            pump();
        }));
    }

    /** Runs {@code task} on the stream's loop; once the replicator is stopped (its leader stepped down), {@code ifStopped} here. */
    private void onLoop(Runnable ifStopped, Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            ifStopped.run();
        }
    }

    private static void release(ByteBuf buffer) {
        if (buffer != null) {
            buffer.release();
        }
    }

    private record Opened(SnapshotStore.Snapshot snapshot, FileChannel file) {
    }

    private void endSnapshot() {
        sendingSnapshot = null;
        closeQuietly(sendingFile);
        sendingFile = null;
    }

    private static void closeQuietly(FileChannel file) {
        if (file != null) {
            try {
                file.close(); // a read under way on the reader thread fails, and its result is dropped
            } catch (IOException e) {
                // only read from: nothing is lost
            }
        }
    }

    private void positioned(ReplicationCodec.Position p) {
        if (!p.accepted() && leader.elected()) {
            // An elected leader of an older term: it steps down, and the new leader replicates.
            state = "refused";
            if (p.term() > leader.term()) {
                log.info("{}: {} is in term {}, later than this leader's {}", leader.name(), follower.name(), p.term(), leader.term());
                leader.superseded(p.term());
            }
            channel.close();
            return;
        }
        if (!p.accepted()) {
            // In a fixed-leader cluster only a lost, replaced or restored data directory gets here. The
            // follower's term is not taken over: a restart would then lead it, and truncate entries it
            // may hold committed that this leader's log lacks.
            String why = p.term() > leader.term()
                    ? follower.name() + " has seen term " + p.term() + ", later than this leader's " + leader.term()
                    : follower.name() + " follows another leader in term " + p.term();
            if (!refused) {
                refused = true; // logged once; each retry is refused the same way until a restart
                log.error("{}: {} (was this leader's data directory lost or replaced?); not replicating to it. Leading it could"
                        + " overwrite writes it holds; restore this leader's data directory, or start the leader from a copy of the data"
                        + " directory of the follower whose log is longest, its \"member\" and \"checksum\" removed from meta.json", leader.name(), why);
            }
            state = "refused";
            channel.close();
            return;
        }
        positioned = true;
        refused = false;
        backoff.reset(); // only a stream the follower took counts as a success: a refusal or a protocol error keeps backing off
        state = "replicating";
        // A follower restarted on an empty directory holds none of what it held before.
        matchIndex = Math.min(matchIndex, p.lastIndex());
        nextIndex = Math.min(p.lastIndex() + 1, leader.lastIndex() + 1);
        // The follower's log is checked by the first append; until it answers, nothing of it counts as durable.
        pump();
    }

    private void appended(ReplicationCodec.Appended r) {
        Sent sent = inflight.peek();
        if (sent == null || sent.seq() != r.seq()) {
            return; // an answer to an append abandoned after a refusal
        }
        inflight.poll();
        inflightBytes -= sent.bytes();
        leader.acknowledged(follower.name(), sent.round()); // ok or not, it answered as this term's follower
        if (r.ok()) {
            if (r.index() > matchIndex) {
                matchIndex = r.index();
                leader.recomputeCommit();
            }
        } else {
            // Everything sent after the refused append was built on it: resend from where the follower says.
            for (Sent dropped : inflight) {
                inflightBytes -= dropped.bytes();
            }
            inflight.clear();
            if (sendingSnapshot != null) {
                endSnapshot(); // its last chunk's answer was among those dropped: the next pump starts it again
            }
            nextIndex = Math.max(1, r.index());
            log.debug("{}: {} refused an append; resuming at {}", leader.name(), follower.name(), nextIndex);
        }
        pump();
    }

    private void snapshotted(ReplicationCodec.Snapshotted r) {
        Sent sent = inflight.peek();
        if (sent == null || sent.seq() != r.seq()) {
            return;
        }
        inflight.poll();
        inflightBytes -= sent.bytes();
        leader.acknowledged(follower.name(), sent.round());
        if (sent.lastIndex() >= 0 && r.ok()) {
            log.info("{}: {} installed the snapshot at index {}", leader.name(), follower.name(), sent.lastIndex());
            matchIndex = Math.max(matchIndex, sent.lastIndex());
            nextIndex = sent.lastIndex() + 1;
            endSnapshot();
            state = "replicating";
            leader.recomputeCommit();
        } else if (!r.ok()) {
            // It arrived damaged, and the follower deleted it: the next pump sends the newest snapshot again, from its first byte.
            log.warn("{}: {} refused the snapshot at index {} as damaged on the way; sending it again", leader.name(), follower.name(),
                    sent.lastIndex());
            for (Sent dropped : inflight) {
                inflightBytes -= dropped.bytes();
            }
            inflight.clear();
            endSnapshot();
        }
        pump();
    }

    private void closed() {
        channel = null;
        positioned = false;
        reading = false;
        readGeneration++; // reads under way were for this stream: their results are dropped
        inflight.clear();
        inflightBytes = 0;
        endSnapshot();
        if (!stopped) {
            // A refusal stands until someone changes a data directory: ask again rarely.
            long delay = refused ? REFUSED_RETRY_NANOS : backoff.nextDelayNanos();
            state = refused ? "refused" : "connecting";
            connect(delay);
        }
    }

    void stop() {
        loop.submit(() -> {
            stopped = true;
            state = "stopped";
            if (ticks != null) {
                ticks.cancel(false);
            }
            if (connecting != null) {
                connecting.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
            endSnapshot();
        }).awaitUninterruptibly(1_000);
    }

    /** The stream's handler: frames from the follower. */
    private final class Stream extends SimpleChannelInboundHandler<ByteBuf> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            lastHeardNanos = System.nanoTime();
            byte type = ReplicationCodec.type(frame);
            if (!positioned) {
                if (type != ReplicationCodec.POSITION) {
                    throw new ProtocolException("expected the follower's position first, got '" + (char) type + "'");
                }
                positioned(ReplicationCodec.readPosition(frame));
                return;
            }
            switch (type) {
                case ReplicationCodec.APPENDED -> appended(ReplicationCodec.readAppended(frame));
                case ReplicationCodec.SNAPSHOTTED -> snapshotted(ReplicationCodec.readSnapshotted(frame));
                default -> throw new ProtocolException("unexpected replication frame '" + (char) type + "' from a follower");
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pump();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel) {
                closed();
            }
            ctx.fireChannelInactive();
        }
    }
}
