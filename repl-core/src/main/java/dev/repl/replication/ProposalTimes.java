package dev.repl.replication;

/**
 * When each of the last {@value #SIZE} proposals was made: how long a follower's lag is in time.
 * A fixed ring of two arrays, so it costs the same however long the log grows.
 */
final class ProposalTimes {

    static final int SIZE = 1 << 16;

    private final long[] indexes = new long[SIZE];
    private final long[] nanos = new long[SIZE];
    private long oldest = -1;

    synchronized void proposed(long index, long atNanos) {
        int slot = (int) (index & (SIZE - 1));
        indexes[slot] = index;
        nanos[slot] = atNanos;
        if (oldest < 0 || index - oldest >= SIZE) {
            oldest = Math.max(index - SIZE + 1, oldest < 0 ? index : oldest);
        }
    }

    /**
     * When {@code index} was proposed; for one older than the ring holds, the oldest time it
     * holds (the lag is then at least that); -1 when this leader proposed nothing at or after it.
     */
    synchronized long proposedAt(long index) {
        int slot = (int) (index & (SIZE - 1));
        if (indexes[slot] == index && nanos[slot] != 0) {
            return nanos[slot];
        }
        if (oldest >= 0 && index < oldest) {
            return nanos[(int) (oldest & (SIZE - 1))];
        }
        return -1;
    }
}
