package dev.repl.log;

import io.netty.buffer.ByteBuf;

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
 *       page of an unforced write holds either the new bytes or what it held at the last force,
 *       which for an appended file is zeros past the forced end: so the file ends inside the bad
 *       record, or one page's part of it is all zeros. Damage of any other shape (bytes that are
 *       neither, a flipped bit) may have hit the last forced batch, which nothing vouches for; the
 *       cut is then {@linkplain LogCut#explained() unexplained}, and an elected member withholds
 *       its vote until a leader has replicated past it.</li>
 * </ol>
 */
final class TornTail {

    /** The unit a power loss tears writes in: a page. */
    static final int PAGE = 4096;

    private TornTail() {
    }

    /**
     * The highest index an intact record after the bad one at {@code tail}'s start vouches for,
     * or -1. {@code tail} holds the segment from the bad record, at file offset {@code from}, to
     * its end; records are looked for at every byte, as the bad one's length cannot be trusted.
     *
     * @param dueIndex the index the bad record should have had
     * @param lastTerm the term of the last good record before it
     * @return the highest vouched index and, in {@code foundAt[0]}, the offset in the file of the record that vouches for it
     */
    static long vouchedAfter(ByteBuf tail, long from, long dueIndex, long lastTerm, long[] foundAt) {
        int end = tail.writerIndex();
        long vouched = -1;
        int size = end >= 8 ? RecordCodec.recordSize(tail, 0) : 0;
        // Past the bad record when its length is believable: a value inside it could look like a record.
        int at = size >= RecordCodec.HEADER_BYTES && size <= end ? size : 1;
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
            if (synced > vouched) {
                vouched = synced;
                foundAt[0] = from + at;
            }
            at += 8 + covered;
        }
        return vouched;
    }

    /**
     * Whether the bad record at {@code tail}'s start is what a torn write leaves: the file ends
     * inside it, or one page's part of it is all zeros.
     *
     * @param from the file offset of the bad record
     */
    static boolean explained(ByteBuf tail, long from) {
        int end = tail.writerIndex();
        if (end < 8) {
            return true; // the file ends inside its header
        }
        int size = RecordCodec.recordSize(tail, 0);
        int recordEnd;
        if (size >= RecordCodec.HEADER_BYTES && size <= SegmentedLog.MAX_RECORD_BYTES + RecordCodec.HEADER_BYTES) {
            if (size > end) {
                return true; // the file ends inside it
            }
            recordEnd = size;
        } else {
            // A length no record has: torn only if it is the start of a run of zeros, to the end of its page or the file.
            recordEnd = (int) Math.min(end, PAGE - from % PAGE);
        }
        for (int part = 0; part < recordEnd; ) {
            int partEnd = (int) Math.min(recordEnd, part + PAGE - (from + part) % PAGE);
            if (zeros(tail, part, partEnd)) {
                return true;
            }
            part = partEnd;
        }
        return false;
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
