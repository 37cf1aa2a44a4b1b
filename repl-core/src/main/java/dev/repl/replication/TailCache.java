package dev.repl.replication;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.Arrays;

/**
 * A leader's newest entries, as the records it proposed, in memory: followers that keep up are
 * sent them, and the applier applies them, without reading them back from disk — and before the
 * leader's own write, which Raft allows (its own copy counts only once durable). At most
 * {@code maxBytes} are kept; older entries come from the log. A ring of contiguous indexes, so
 * any kept entry is found at once. Any thread.
 */
final class TailCache implements AutoCloseable {

    private final long maxBytes;
    private ByteBuf[] records = new ByteBuf[1024];
    private long[] terms = new long[1024];
    /** Index of the oldest entry kept, and where it sits in the ring. */
    private long firstIndex;
    private int head;
    private int count;
    private long bytes;
    private boolean closed;
    /** Entries of terms before this one are not taken: their leader has been superseded. */
    private long minTerm;

    TailCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Keeps the entry at {@code index}, which follows the last one kept; {@code record} stays the caller's. */
    synchronized void add(long index, long term, ByteBuf record) {
        if (closed || term < minTerm) {
            return;
        }
        if (count > 0 && index != firstIndex + count) {
            clear(); // not contiguous: start over from this one
        }
        if (count == 0) {
            firstIndex = index;
            head = 0;
        }
        if (count == records.length) {
            grow();
        }
        int slot = (head + count) % records.length;
        records[slot] = record.retainedDuplicate();
        terms[slot] = term;
        count++;
        bytes += record.readableBytes();
        while (bytes > maxBytes && count > 1) {
            bytes -= records[head].readableBytes();
            records[head].release();
            records[head] = null;
            head = (head + 1) % records.length;
            firstIndex++;
            count--;
        }
    }

    private void grow() {
        ByteBuf[] moreRecords = new ByteBuf[records.length * 2];
        long[] moreTerms = new long[terms.length * 2];
        for (int i = 0; i < count; i++) {
            moreRecords[i] = records[(head + i) % records.length];
            moreTerms[i] = terms[(head + i) % terms.length];
        }
        records = moreRecords;
        terms = moreTerms;
        head = 0;
    }

    private boolean holds(long index) {
        return count > 0 && index >= firstIndex && index < firstIndex + count;
    }

    /** The last index kept, or -1. */
    synchronized long lastIndex() {
        return count == 0 ? -1 : firstIndex + count - 1;
    }

    /** The term of the entry at {@code index}, or -1 when it is not kept here. */
    synchronized long termAt(long index) {
        return holds(index) ? terms[(int) ((head + index - firstIndex) % terms.length)] : -1;
    }

    /**
     * The records from {@code index} on, at most {@code maxBytes} of them (at least one), as one
     * buffer of retained slices that the caller releases; null when {@code index} is not kept here.
     */
    synchronized ByteBuf read(long index, int maxBytes, ByteBufAllocator alloc) {
        if (!holds(index)) {
            return null;
        }
        CompositeByteBuf out = alloc.compositeBuffer(256);
        int taken = 0;
        for (long i = index; i < firstIndex + count && out.numComponents() < out.maxNumComponents(); i++) {
            ByteBuf record = records[(int) ((head + i - firstIndex) % records.length)];
            if (taken > 0 && taken + record.readableBytes() > maxBytes) {
                break;
            }
            out.addComponent(true, record.retainedDuplicate());
            taken += record.readableBytes();
        }
        return out;
    }

    /** From now on only entries of {@code term} or later are kept; those kept so far are dropped. */
    synchronized void fence(long term) {
        minTerm = Math.max(minTerm, term);
        clear();
    }

    private void clear() {
        for (int i = 0; i < count; i++) {
            records[(head + i) % records.length].release();
        }
        Arrays.fill(records, null);
        count = 0;
        bytes = 0;
    }

    @Override
    public synchronized void close() {
        closed = true;
        clear();
    }
}
