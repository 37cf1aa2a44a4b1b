package dev.repl.log;

import java.util.Arrays;

/**
 * Where each term starts in the log: one entry per term, not per record, so the term of any
 * index is answered from memory. Changed by the log's writer thread, read from any.
 */
final class TermIndex {

    private long[] firstIndexes = new long[8];
    private long[] terms = new long[8];
    private int count;

    synchronized boolean isEmpty() {
        return count == 0;
    }

    /** Term {@code term} starts at {@code index}, after every term already here. */
    synchronized void add(long index, long term) {
        if (count > 0 && terms[count - 1] == term) {
            return;
        }
        if (count == firstIndexes.length) {
            firstIndexes = Arrays.copyOf(firstIndexes, count * 2);
            terms = Arrays.copyOf(terms, count * 2);
        }
        firstIndexes[count] = index;
        terms[count] = term;
        count++;
    }

    /** The term of {@code index}, which must not be before the first term's start; -1 when there is none. */
    synchronized long termAt(long index) {
        int i = Arrays.binarySearch(firstIndexes, 0, count, index);
        int at = i >= 0 ? i : -i - 2;
        return at < 0 ? -1 : terms[at];
    }

    /** The first index of the term that {@code index} is in; -1 when there is none. */
    synchronized long termStart(long index) {
        int i = Arrays.binarySearch(firstIndexes, 0, count, index);
        int at = i >= 0 ? i : -i - 2;
        return at < 0 ? -1 : firstIndexes[at];
    }

    /** Forgets the terms that start after {@code index}. */
    synchronized void truncateAfter(long index) {
        while (count > 0 && firstIndexes[count - 1] > index) {
            count--;
        }
    }

    /** Forgets the terms that end before {@code index}; the one holding it stays. */
    synchronized void dropBefore(long index) {
        int keepFrom = 0;
        while (keepFrom + 1 < count && firstIndexes[keepFrom + 1] <= index) {
            keepFrom++;
        }
        if (keepFrom > 0) {
            System.arraycopy(firstIndexes, keepFrom, firstIndexes, 0, count - keepFrom);
            System.arraycopy(terms, keepFrom, terms, 0, count - keepFrom);
            count -= keepFrom;
        }
    }

    synchronized void clear() {
        count = 0;
    }
}
