package dev.repl.log;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The only place that knows a log record's layout, the same on disk and on the wire, big-endian:
 * <pre>
 *   u32 length    bytes after the checksum: 16 + the payload's length
 *   u32 crc32c    of those bytes
 *   u64 term
 *   u64 index
 *   ... payload
 * </pre>
 * Records travel from a leader's segment files to a follower's as these bytes, never decoded
 * into objects on the way, and every receiver checks the checksum before it keeps one.
 */
public final class RecordCodec {

    /** Length and checksum, then term and index. */
    public static final int HEADER_BYTES = 24;
    /** The part the length counts and the checksum covers, without the payload. */
    static final int COVERED_HEADER_BYTES = 16;

    private RecordCodec() {
    }

    /** Bytes the record of a {@code payloadLength}-byte payload takes. */
    public static int size(int payloadLength) {
        return HEADER_BYTES + payloadLength;
    }

    /** Appends one record to {@code out}. */
    public static void write(ByteBuf out, long term, long index, byte[] payload) {
        int start = out.writerIndex();
        out.writeInt(COVERED_HEADER_BYTES + payload.length)
                .writeInt(0)
                .writeLong(term)
                .writeLong(index)
                .writeBytes(payload);
        out.setInt(start + 4, crc(out, start + 8, COVERED_HEADER_BYTES + payload.length));
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

    public static long term(ByteBuf buf, int at) {
        return buf.getLong(at + 8);
    }

    public static long index(ByteBuf buf, int at) {
        return buf.getLong(at + 16);
    }

    public static int payloadLength(ByteBuf buf, int at) {
        return coveredLength(buf, at) - COVERED_HEADER_BYTES;
    }

    /** The payload's first byte. */
    public static int payloadOffset(int at) {
        return at + HEADER_BYTES;
    }

    /** Whether the record's checksum matches its bytes. */
    public static boolean intact(ByteBuf buf, int at) {
        int covered = coveredLength(buf, at);
        return covered >= COVERED_HEADER_BYTES && buf.getInt(at + 4) == crc(buf, at + 8, covered);
    }

    /** A copy of the record's payload. */
    public static byte[] payload(ByteBuf buf, int at) {
        byte[] payload = new byte[payloadLength(buf, at)];
        buf.getBytes(payloadOffset(at), payload);
        return payload;
    }
}
