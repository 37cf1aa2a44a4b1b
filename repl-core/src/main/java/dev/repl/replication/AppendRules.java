package dev.repl.replication;

import dev.repl.log.RecordCodec;
import dev.repl.log.SegmentedLog;
import dev.repl.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * What a follower does with an append, Raft's AppendEntries rules on its log: the entry before
 * the new ones must be there with the leader's term (else the append is refused, with where the
 * leader should resume); entries it already has are skipped; the first that conflicts, and all
 * after it, are dropped; the rest are appended. Every record is checked — checksum, index, term —
 * before the log is touched. Runs on the log's writer thread, as a change, so it sees the log as
 * every earlier append left it.
 */
final class AppendRules {

    /**
     * @param ok    whether the log now holds the leader's entries up to {@code index}
     * @param index ok: the last index this append brought the log in line with; refused: where the
     *              leader should resume
     */
    record Outcome(boolean ok, long index) {
    }

    private AppendRules() {
    }

    /**
     * @param records     whole records, the frame's rest; read, not released
     * @param commitIndex entries up to here are committed: a leader asking to drop one is not a leader to follow
     * @param leaderTerm  no record may be of a later term than the leader's own
     * @throws ProtocolException when the records are damaged, out of order, or would overwrite a committed entry
     */
    static Outcome apply(SegmentedLog log, long prevIndex, long prevTerm, ByteBuf records, long commitIndex, long leaderTerm)
            throws IOException {
        if (prevIndex > log.lastIndex()) {
            return new Outcome(false, log.lastIndex() + 1);
        }
        if (prevIndex >= log.baseIndex() && log.termAt(prevIndex) != prevTerm) {
            // Skip the whole run of the conflicting term, but never back into what is committed.
            return new Outcome(false, Math.max(commitIndex + 1, log.termStart(prevIndex)));
        }
        int from = records.readerIndex();
        int end = records.writerIndex();
        long expected = prevIndex + 1;
        long lastTerm = prevTerm;
        int appendAt = -1;
        boolean truncate = false;
        for (int at = from; at < end; ) {
            if (end - at < RecordCodec.HEADER_BYTES || at + RecordCodec.recordSize(records, at) > end || RecordCodec.recordSize(records, at) < RecordCodec.HEADER_BYTES) {
                throw new ProtocolException("append with a record cut short at byte " + (at - from));
            }
            if (!RecordCodec.intact(records, at)) {
                throw new ProtocolException("append with a damaged record (checksum mismatch) where index " + expected + " was due");
            }
            long index = RecordCodec.index(records, at);
            long term = RecordCodec.term(records, at);
            if (index != expected || term < lastTerm || term > leaderTerm) {
                throw new ProtocolException("append with record index " + index + " term " + term + " where index " + expected
                        + " of a term from " + lastTerm + " to " + leaderTerm + " was due");
            }
            if (appendAt < 0 && index > log.baseIndex()) {
                if (index > log.lastIndex()) {
                    appendAt = at;
                } else if (log.termAt(index) != term) {
                    if (index <= commitIndex) {
                        throw new ProtocolException("the leader's entry " + index + " (term " + term + ") conflicts with a committed one (term "
                                + log.termAt(index) + ")");
                    }
                    appendAt = at;
                    truncate = true;
                }
            }
            lastTerm = term;
            expected++;
            at += RecordCodec.recordSize(records, at);
        }
        if (appendAt >= 0) {
            long firstNew = RecordCodec.index(records, appendAt);
            if (truncate) {
                log.truncateAfter(firstNew - 1);
            }
            log.append(records.slice(appendAt, end - appendAt));
        }
        return new Outcome(true, expected - 1);
    }
}
