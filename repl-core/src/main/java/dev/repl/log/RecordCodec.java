package dev.repl.log;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The only place that knows a log record's layout, the same on disk and on the wire, big-endian:
 * <pre>
 *   u32 length    bytes after the checksum: 24 + the payload's length
 *   u32 crc32c    of term, index and payload
 *   u64 synced    the index its log had made durable when this record was written
 *   u64 term
 *   u64 index
 *   ... payload
 * </pre>
 * Records travel from a leader's segment files to a follower's as these bytes, never decoded
 * into objects on the way, and every receiver checks the checksum before it keeps one.
 *
 * <p>{@code synced} is each log's own evidence for recovery, set as the record is appended
 * ({@link #setSynced}): a record that vouches for an index proves that index was forced, so
 * damage there is corruption and not a torn write. It is outside the checksum so that a
 * follower can set its own without checksumming again, and so that the checksum, which members
 * compare as the log's digest, stays the same on every member. A leader's writer sets it on the
 * bytes its tail cache shares with the event loop that ships them, which may send either value:
 * a receiver never reads it.
 */
public final class RecordCodec {

    /** Length, checksum, synced, term and index. */
    public static final int HEADER_BYTES = 32;
    /** The part the length counts, without the payload. */
    static final int COUNTED_HEADER_BYTES = 24;
    /** Where the checksummed bytes start: term, index and payload. */
    private static final int CHECKED_FROM = 16;
    /** The header's checksummed part: term and index. */
    static final int CHECKED_HEADER_BYTES = HEADER_BYTES - CHECKED_FROM;

    private RecordCodec() {
    }

    /** Bytes the record of a {@code payloadLength}-byte payload takes. */
    public static int size(int payloadLength) {
        return HEADER_BYTES + payloadLength;
    }

    /** Appends one record to {@code out}. */
    public static void write(ByteBuf out, long term, long index, byte[] payload) {
        int start = out.writerIndex();
        out.writeInt(COUNTED_HEADER_BYTES + payload.length)
                .writeInt(0)
                .writeLong(0)
                .writeLong(term)
                .writeLong(index)
                .writeBytes(payload);
        out.setInt(start + 4, crc(out, start + CHECKED_FROM, HEADER_BYTES - CHECKED_FROM + payload.length));
    }

    /** The checksum of {@code length} bytes of {@code buf} from {@code from}, without moving its indexes. */
    static int crc(ByteBuf buf, int from, int length) {
        CRC32C crc = new CRC32C();
        if (buf.nioBufferCount() == 1) {
            crc.update(buf.nioBuffer(from, length));
        } else {
            for (ByteBuffer part : buf.nioBuffers(from, length)) {
                crc.update(part);
            }
        }
        return (int) crc.getValue();
    }

    /** The record at {@code at} in {@code buf}: its length field, read without moving indexes. */
    public static int coveredLength(ByteBuf buf, int at) {
        return buf.getInt(at);
    }

    /** The whole record's size, header included, from its length field. */
    public static int recordSize(ByteBuf buf, int at) {
        return 8 + coveredLength(buf, at);
    }

    /** The index the writing log had made durable when it wrote this record. */
    public static long synced(ByteBuf buf, int at) {
        return buf.getLong(at + 8);
    }

    /** Sets the evidence of the record at {@code at}; the checksum does not cover it. */
    public static void setSynced(ByteBuf buf, int at, long synced) {
        buf.setLong(at + 8, synced);
    }

    public static long term(ByteBuf buf, int at) {
        return buf.getLong(at + 16);
    }

    public static long index(ByteBuf buf, int at) {
        return buf.getLong(at + 24);
    }

    /** The record's checksum: what members compare, summed, as the digest of their logs. */
    public static int checksum(ByteBuf buf, int at) {
        return buf.getInt(at + 4);
    }

    public static int payloadLength(ByteBuf buf, int at) {
        return coveredLength(buf, at) - COUNTED_HEADER_BYTES;
    }

    /** The payload's first byte. */
    public static int payloadOffset(int at) {
        return at + HEADER_BYTES;
    }

    /** Whether the record's checksum matches its bytes. */
    public static boolean intact(ByteBuf buf, int at) {
        int covered = coveredLength(buf, at);
        return covered >= COUNTED_HEADER_BYTES && buf.getInt(at + 4) == crc(buf, at + CHECKED_FROM, covered - (CHECKED_FROM - 8));
    }

    /** A copy of the record's payload. */
    public static byte[] payload(ByteBuf buf, int at) {
        byte[] payload = new byte[payloadLength(buf, at)];
        buf.getBytes(payloadOffset(at), payload);
        return payload;
    }
}
