package dev.repl.replication;

import dev.repl.election.Election;
import dev.repl.protocol.ProtocolException;
import dev.repl.protocol.ReplicationFramer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The only place that knows the layout of replication frames. Each frame is a u32 length (of
 * what follows it; checked against {@code --max-frame-bytes} before anything is allocated), then
 * a type byte and its fields, big-endian:
 * <pre>
 *   'L' leader      leader → follower, first: u64 term, u64 incarnation, u16+UTF-8 leader name, u16+UTF-8 client address ("" if none; ":port" for the follower to complete with the stream's host)
 *   'P' position    follower → leader, the answer: u64 term, u64 last index, u64 last term (durable), u8 accepted
 *   'A' append      leader → follower: u32 seq, u64 term, u64 commit, u64 prev index, u64 prev term, then whole records
 *   'a' appended    follower → leader: u32 seq, u64 term, u8 ok, u64 index (ok: durable match; refused: where to resume)
 *   'S' snapshot    leader → follower: u32 seq, u64 term, u64 last index, u64 last term, u64 offset, u8 last chunk, then bytes
 *   's' snapshotted follower → leader: u32 seq, u64 term, u8 ok, u64 bytes received (last chunk: the snapshot's index, installed;
 *                   not ok: the snapshot arrived damaged and was deleted, to be sent again from its start)
 *   'V' vote        candidate → peer, alone on a stream: u8 pre-vote, u64 term, u64 last index, u64 last term, u16+UTF-8 candidate
 *   'v' voted       peer → candidate, then the stream closes: u8 pre-vote, u64 term, u8 granted, u16+UTF-8 voter, u16+UTF-8 reason
 * </pre>
 * Records in an append are in the log's own layout ({@code RecordCodec}), copied from the
 * leader's log and checked by the follower record by record.
 */
public final class ReplicationCodec {

    public static final byte LEADER = 'L';
    public static final byte POSITION = 'P';
    public static final byte APPEND = 'A';
    public static final byte APPENDED = 'a';
    public static final byte SNAPSHOT = 'S';
    public static final byte SNAPSHOTTED = 's';
    public static final byte VOTE = 'V';
    public static final byte VOTED = 'v';

    /** The length prefix. */
    public static final int LENGTH_BYTES = ReplicationFramer.LENGTH_BYTES;
    /** An append's fields before its records: type, seq, term, commit, prev index, prev term. */
    public static final int APPEND_HEADER_BYTES = 1 + 4 + 8 + 8 + 8 + 8;
    /** A snapshot chunk's fields before its bytes. */
    public static final int SNAPSHOT_HEADER_BYTES = 1 + 4 + 8 + 8 + 8 + 8 + 1;

    private ReplicationCodec() {
    }

    /**
     * @param incarnation drawn at random each time a leader starts: a leader whose data directory
     *                    was lost starts again in a term it already led, and this tells the two apart
     */
    public record Leader(long term, long incarnation, String name, String clientAddress) {

        /** Who leads, as a follower records it in its vote: {@code name#incarnation}. */
        public String id() {
            return name + "#" + Long.toHexString(incarnation);
        }
    }

    /**
     * @param accepted false: the follower follows another leader in this term, or a later term ({@code term} says which),
     *                 or the leader is not one of its members
     */
    public record Position(long term, long lastIndex, long lastTerm, boolean accepted) {
    }

    /** An append's fields; its records follow in the frame from {@link #APPEND_HEADER_BYTES}. */
    public record Append(int seq, long term, long commit, long prevIndex, long prevTerm) {
    }

    public record Appended(int seq, long term, boolean ok, long index) {
    }

    /** A snapshot chunk's fields; its bytes follow in the frame from {@link #SNAPSHOT_HEADER_BYTES}. */
    public record SnapshotChunk(int seq, long term, long lastIndex, long lastTerm, long offset, boolean last) {
    }

    /** @param ok false only on the last chunk: the whole snapshot arrived damaged, and the follower deleted it */
    public record Snapshotted(int seq, long term, boolean ok, long bytes) {
    }

    public static byte type(ByteBuf frame) {
        if (!frame.isReadable()) {
            throw new ProtocolException("an empty replication frame");
        }
        return frame.getByte(frame.readerIndex());
    }

    public static ByteBuf leader(ByteBufAllocator alloc, Leader m) {
        byte[] name = m.name().getBytes(StandardCharsets.UTF_8);
        byte[] client = m.clientAddress().getBytes(StandardCharsets.UTF_8);
        ByteBuf out = frame(alloc, 1 + 8 + 8 + 2 + name.length + 2 + client.length);
        out.writeByte(LEADER).writeLong(m.term()).writeLong(m.incarnation()).writeShort(name.length).writeBytes(name)
                .writeShort(client.length).writeBytes(client);
        return out;
    }

    public static Leader readLeader(ByteBuf frame) {
        ByteBuf in = body(frame, LEADER, 1 + 8 + 8 + 2 + 2);
        long term = in.readLong();
        long incarnation = in.readLong();
        String name = string(in);
        return new Leader(term, incarnation, name, string(in));
    }

    public static ByteBuf position(ByteBufAllocator alloc, Position m) {
        return frame(alloc, 26).writeByte(POSITION).writeLong(m.term()).writeLong(m.lastIndex()).writeLong(m.lastTerm())
                .writeBoolean(m.accepted());
    }

    public static Position readPosition(ByteBuf frame) {
        ByteBuf in = body(frame, POSITION, 26);
        return new Position(in.readLong(), in.readLong(), in.readLong(), in.readBoolean());
    }

    /** An append frame around {@code records}, which it takes over (releases). */
    public static ByteBuf append(ByteBufAllocator alloc, Append m, ByteBuf records) {
        ByteBuf header = alloc.ioBuffer(LENGTH_BYTES + APPEND_HEADER_BYTES);
        header.writeInt(APPEND_HEADER_BYTES + records.readableBytes())
                .writeByte(APPEND).writeInt(m.seq()).writeLong(m.term()).writeLong(m.commit()).writeLong(m.prevIndex()).writeLong(m.prevTerm());
        return alloc.compositeBuffer(2).addComponents(true, header, records);
    }

    /** The append's fields; the frame's reader index is left at its first record. */
    public static Append readAppend(ByteBuf frame) {
        ByteBuf in = body(frame, APPEND, APPEND_HEADER_BYTES);
        return new Append(in.readInt(), in.readLong(), in.readLong(), in.readLong(), in.readLong());
    }

    public static ByteBuf appended(ByteBufAllocator alloc, Appended m) {
        return frame(alloc, 22).writeByte(APPENDED).writeInt(m.seq()).writeLong(m.term()).writeBoolean(m.ok()).writeLong(m.index());
    }

    public static Appended readAppended(ByteBuf frame) {
        ByteBuf in = body(frame, APPENDED, 22);
        return new Appended(in.readInt(), in.readLong(), in.readBoolean(), in.readLong());
    }

    /** A snapshot frame around {@code bytes}, which it takes over. */
    public static ByteBuf snapshot(ByteBufAllocator alloc, SnapshotChunk m, ByteBuf bytes) {
        ByteBuf header = alloc.ioBuffer(LENGTH_BYTES + SNAPSHOT_HEADER_BYTES);
        header.writeInt(SNAPSHOT_HEADER_BYTES + bytes.readableBytes())
                .writeByte(SNAPSHOT).writeInt(m.seq()).writeLong(m.term()).writeLong(m.lastIndex()).writeLong(m.lastTerm())
                .writeLong(m.offset()).writeBoolean(m.last());
        return alloc.compositeBuffer(2).addComponents(true, header, bytes);
    }

    /** The chunk's fields; the frame's reader index is left at its bytes. */
    public static SnapshotChunk readSnapshot(ByteBuf frame) {
        ByteBuf in = body(frame, SNAPSHOT, SNAPSHOT_HEADER_BYTES);
        return new SnapshotChunk(in.readInt(), in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readBoolean());
    }

    public static ByteBuf snapshotted(ByteBufAllocator alloc, Snapshotted m) {
        return frame(alloc, 22).writeByte(SNAPSHOTTED).writeInt(m.seq()).writeLong(m.term()).writeBoolean(m.ok()).writeLong(m.bytes());
    }

    public static Snapshotted readSnapshotted(ByteBuf frame) {
        ByteBuf in = body(frame, SNAPSHOTTED, 22);
        return new Snapshotted(in.readInt(), in.readLong(), in.readBoolean(), in.readLong());
    }

    public static ByteBuf vote(ByteBufAllocator alloc, Election.VoteRequest m) {
        byte[] candidate = m.candidate().getBytes(StandardCharsets.UTF_8);
        ByteBuf out = frame(alloc, 1 + 1 + 8 + 8 + 8 + 2 + candidate.length);
        out.writeByte(VOTE).writeBoolean(m.pre()).writeLong(m.term()).writeLong(m.lastIndex()).writeLong(m.lastTerm())
                .writeShort(candidate.length).writeBytes(candidate);
        return out;
    }

    public static Election.VoteRequest readVote(ByteBuf frame) {
        ByteBuf in = body(frame, VOTE, 1 + 1 + 8 + 8 + 8 + 2);
        boolean pre = in.readBoolean();
        long term = in.readLong();
        long lastIndex = in.readLong();
        long lastTerm = in.readLong();
        return new Election.VoteRequest(pre, term, string(in), lastIndex, lastTerm);
    }

    public static ByteBuf voted(ByteBufAllocator alloc, Election.VoteResponse m) {
        byte[] voter = m.voter().getBytes(StandardCharsets.UTF_8);
        byte[] reason = m.reason().getBytes(StandardCharsets.UTF_8);
        reason = reason.length > 1000 ? java.util.Arrays.copyOf(reason, 1000) : reason;
        ByteBuf out = frame(alloc, 1 + 1 + 8 + 1 + 2 + voter.length + 2 + reason.length);
        out.writeByte(VOTED).writeBoolean(m.pre()).writeLong(m.term()).writeBoolean(m.granted()).writeShort(voter.length).writeBytes(voter)
                .writeShort(reason.length).writeBytes(reason);
        return out;
    }

    public static Election.VoteResponse readVoted(ByteBuf frame) {
        ByteBuf in = body(frame, VOTED, 1 + 1 + 8 + 1 + 2 + 2);
        boolean pre = in.readBoolean();
        long term = in.readLong();
        boolean granted = in.readBoolean();
        String voter = string(in);
        return new Election.VoteResponse(pre, term, voter, granted, string(in));
    }

    private static ByteBuf frame(ByteBufAllocator alloc, int bodyLength) {
        return alloc.ioBuffer(LENGTH_BYTES + bodyLength).writeInt(bodyLength);
    }

    /** The frame past its type byte, after checking the type and that the fixed fields are there. */
    private static ByteBuf body(ByteBuf frame, byte type, int atLeast) {
        if (frame.readableBytes() < atLeast || frame.getByte(frame.readerIndex()) != type) {
            throw new ProtocolException(String.format("malformed replication frame: type 0x%02x, %d bytes (a '%c' frame has at least %d)",
                    frame.isReadable() ? frame.getByte(frame.readerIndex()) : 0, frame.readableBytes(), (char) type, atLeast));
        }
        frame.skipBytes(1);
        return frame;
    }

    private static String string(ByteBuf in) {
        int length = in.readUnsignedShort();
        if (in.readableBytes() < length) {
            throw new ProtocolException("malformed replication frame: a string of " + length + " bytes with " + in.readableBytes() + " left");
        }
        return in.readCharSequence(length, StandardCharsets.UTF_8).toString();
    }
}
