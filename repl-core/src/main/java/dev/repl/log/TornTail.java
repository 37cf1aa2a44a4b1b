package dev.repl.log;

import io.netty.buffer.ByteBuf;
import java.util.zip.CRC32C;

/**
 * What a bad record in the last segment is: damage to data the log had forced, or the end of a
 * write a crash cut short. Recovery reads the rest of the segment from the bad record on and asks
 * two questions.
 *
 * <ol>
 *   <li>Does a later record prove the bad one was forced? Every record carries the index its log
 *       had made durable when it was written ({@link RecordCodec#synced}); an intact record after
 *       the bad one that vouches for its index proves a force covered it. That is corruption, and
 *       the log refuses to start: cutting there would drop records this member acknowledged.</li>
 *   <li>Otherwise the tail is cut. Is the damage what a torn write leaves? After a power cut each
 *       sector of an unforced write holds either the new bytes or what it held at the last force,
 *       which for an appended file is zeros past the forced end: so the file ends inside the bad
 *       record (and nothing intact follows it), or one sector's part of it is all zeros. Damage of
 *       any other shape (a flipped bit, a garbage length) may have hit the last forced batch,
 *       which nothing vouches for; the cut is then {@linkplain LogCut#explained() unexplained},
 *       and an elected member withholds its vote until it has caught up.</li>
 * </ol>
 */
final class TornTail {

    /** The unit a power loss tears writes in: a sector (a page is eight of them). */
    static final int SECTOR = 512;

    private TornTail() {
    }

    /**
     * What the records after the bad one say.
     *
     * @param vouched      the highest index an intact record after the bad one vouches for, or -1
     * @param vouchedAt    the file offset of the record that vouches for it
     * @param firstIntact  where in the tail the first intact record after the bad one starts, or -1
     */
    record Evidence(long vouched, long vouchedAt, int firstIntact) {
    }

    /**
     * Looks for intact records after the bad one at {@code tail}'s start, at every byte: the bad
     * record's length cannot be trusted, and a flipped one could otherwise jump over the very
     * records that prove it forced. {@code tail} holds the segment from the bad record, at file
     * offset {@code from}, to its end.
     *
     * @param dueIndex the index the bad record should have had
     * @param lastTerm the term of the last good record before it
     */
    static Evidence after(ByteBuf tail, long from, long dueIndex, long lastTerm) {
        int end = tail.writerIndex();
        long vouched = -1;
        long vouchedAt = -1;
        int firstIntact = -1;
        int at = 1;
        while (at + RecordCodec.HEADER_BYTES <= end) {
            int covered = RecordCodec.coveredLength(tail, at);
            if (covered < RecordCodec.COUNTED_HEADER_BYTES || covered > SegmentedLog.MAX_RECORD_BYTES || at + 8L + covered > end) {
                at++;
                continue;
            }
            long index = RecordCodec.index(tail, at);
            long term = RecordCodec.term(tail, at);
            long synced = RecordCodec.synced(tail, at);
            // Cheap checks first: random bytes rarely look like the header of one of the next records.
            if (index < dueIndex || index > dueIndex + end / RecordCodec.HEADER_BYTES || term < lastTerm || term > lastTerm + 1_000_000
                    || synced < 0 || synced >= index || !RecordCodec.intact(tail, at)) {
                at++;
                continue;
            }
            if (firstIntact < 0) {
                firstIntact = at;
            }
            if (synced > vouched) {
                vouched = synced;
                vouchedAt = from + at;
            }
            at += 8 + covered;
        }
        return new Evidence(vouched, vouchedAt, firstIntact);
    }

    /**
     * Whether the bad record at {@code tail}'s start is what a torn write leaves: the file ends
     * inside it and nothing intact follows, or one sector's part of it is all zeros. Where its
     * length cannot be believed, it is taken to run to the first intact record, or the file's end.
     *
     * @param from the file offset of the bad record
     */
    static boolean explained(ByteBuf tail, long from, Evidence evidence) {
        int end = tail.writerIndex();
        if (end < 8) {
            return true; // the file ends inside its header
        }
        if (RecordCodec.recordSize(tail, 0) <= end && RecordCodec.recordSize(tail, 0) >= RecordCodec.HEADER_BYTES && RecordCodec.intact(tail, 0)) {
            return false; // whole, and another index than was due: no torn write leaves that
        }
        int whole = wholeSize(tail);
        if (whole > 0) {
            // Its bytes are all there but its length: torn only if what differs is zeros of a sector the write lost.
            return lengthLostWithItsSector(tail, from, whole);
        }
        int size = RecordCodec.recordSize(tail, 0);
        boolean believable = size >= RecordCodec.HEADER_BYTES && size <= SegmentedLog.MAX_RECORD_BYTES + RecordCodec.HEADER_BYTES
                && (evidence.firstIntact() < 0 || size <= evidence.firstIntact());
        if (believable && size > end) {
            return evidence.firstIntact() < 0; // the file ends inside it
        }
        int recordEnd = believable ? size : evidence.firstIntact() >= 0 ? evidence.firstIntact() : end;
        for (int part = 0; part < recordEnd; ) {
            int partEnd = (int) Math.min(recordEnd, part + SECTOR - (from + part) % SECTOR);
            if (zeros(tail, part, partEnd)) {
                return true;
            }
            part = partEnd;
        }
        return false;
    }

    /**
     * Whether the bad record's length differs from the one that makes it whole ({@code wholeSize})
     * only in bytes that are zero where the true length's are not, all in one sector's part of the
     * record that is all zeros: the sector the crash lost held them.
     */
    private static boolean lengthLostWithItsSector(ByteBuf tail, long from, int wholeSize) {
        int stored = tail.getInt(0);
        int wanted = wholeSize - 8;
        int firstPartEnd = (int) Math.min(tail.writerIndex(), SECTOR - from % SECTOR);
        for (int i = 0; i < 4; i++) {
            int shift = 8 * (3 - i);
            int had = stored >>> shift & 0xff;
            if (had != (wanted >>> shift & 0xff) && (had != 0 || i >= firstPartEnd)) {
                return false;
            }
        }
        return zeros(tail, 0, firstPartEnd);
    }

    /** The size, other than its own, that makes the bad record's checksum match (whole but for its length field), or -1. */
    private static int wholeSize(ByteBuf tail) {
        int end = (int) Math.min(tail.writerIndex(), (long) SegmentedLog.MAX_RECORD_BYTES + RecordCodec.HEADER_BYTES);
        if (end < RecordCodec.HEADER_BYTES) {
            return -1;
        }
        int expected = RecordCodec.checksum(tail, 0);
        int own = RecordCodec.recordSize(tail, 0);
        CRC32C crc = new CRC32C();
        int checkedFrom = RecordCodec.HEADER_BYTES - RecordCodec.CHECKED_HEADER_BYTES;
        for (int i = checkedFrom; i < end; i++) {
            crc.update(tail.getByte(i));
            if (i + 1 >= RecordCodec.HEADER_BYTES && i + 1 != own && (int) crc.getValue() == expected) {
                return i + 1;
            }
        }
        return -1;
    }

    private static boolean zeros(ByteBuf buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf.getByte(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
