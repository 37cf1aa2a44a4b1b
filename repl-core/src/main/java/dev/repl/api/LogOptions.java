package dev.repl.api;

import dev.repl.log.SegmentedLog;
import java.time.Duration;
import java.util.Objects;

/**
 * How a node keeps and ships its log, validated once.
 *
 * @param segmentBytes     a segment file rolls at this size
 * @param snapshotEvery    applied entries between snapshots (0: never)
 * @param retainEntries    entries kept in the log behind a snapshot, for followers a little behind
 * @param maxFrameBytes    the largest replication frame accepted; checked before anything is allocated
 * @param maxInflightBytes bytes sent to a follower and not yet acknowledged, at most
 * @param acks             which durable copies commit a write
 * @param commitTimeout    how long a write waits to commit before its outcome is reported unknown
 */
public record LogOptions(long segmentBytes, long snapshotEvery, long retainEntries, int maxFrameBytes, long maxInflightBytes, Acks acks,
                         Duration commitTimeout) {

    public static final long DEFAULT_SEGMENT_BYTES = 64L * 1024 * 1024;
    public static final long DEFAULT_SNAPSHOT_EVERY = 100_000;
    public static final long DEFAULT_RETAIN_ENTRIES = 100_000;
    public static final int DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
    public static final long DEFAULT_MAX_INFLIGHT_BYTES = 16L * 1024 * 1024;
    public static final Duration DEFAULT_COMMIT_TIMEOUT = Duration.ofSeconds(5);

    public LogOptions {
        Objects.requireNonNull(acks, "acks");
        Objects.requireNonNull(commitTimeout, "commitTimeout");
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("segment size must be at least 4096 bytes, was " + segmentBytes);
        }
        if (snapshotEvery < 0 || retainEntries < 0) {
            throw new IllegalArgumentException("snapshot interval and retained entries must not be negative");
        }
        if (maxFrameBytes < 64 * 1024) {
            throw new IllegalArgumentException("max frame must be at least 64 KiB, was " + maxFrameBytes + " bytes");
        }
        if (maxInflightBytes < maxFrameBytes) {
            throw new IllegalArgumentException("max in-flight bytes (" + maxInflightBytes + ") must be at least the max frame ("
                    + maxFrameBytes + ")");
        }
        if (commitTimeout.isNegative() || commitTimeout.isZero()) {
            throw new IllegalArgumentException("commit timeout must be positive, was " + commitTimeout);
        }
    }

    /**
     * The largest value a write may carry: with its key (at most the 4 KiB of an HTTP request
     * line) and the record's and frame's headers it must fit in one replication frame, or no
     * follower could ever be sent it.
     */
    public int maxValueBytes() {
        return Math.min(1024 * 1024, maxFrameBytes - 8 * 1024);
    }

    /**
     * The largest command {@link ReplNode#propose} takes: a record must fit in one replication
     * frame, with room for the record's and the frame's headers, and be one the log can read back.
     *
     * @return the limit in bytes
     */
    public int maxCommandBytes() {
        return Math.min(maxFrameBytes - 4 * 1024, SegmentedLog.MAX_RECORD_BYTES - 4 * 1024);
    }

    public static LogOptions defaults() {
        return new LogOptions(DEFAULT_SEGMENT_BYTES, DEFAULT_SNAPSHOT_EVERY, DEFAULT_RETAIN_ENTRIES, DEFAULT_MAX_FRAME_BYTES,
                DEFAULT_MAX_INFLIGHT_BYTES, Acks.QUORUM, DEFAULT_COMMIT_TIMEOUT);
    }
}
