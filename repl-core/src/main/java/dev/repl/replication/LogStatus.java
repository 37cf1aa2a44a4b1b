package dev.repl.replication;

/**
 * A node's log at a point in time, for status and metrics.
 *
 * @param digest      a digest of every record applied, in order: equal at equal applied indexes on every node
 * @param fsyncP50Us  fsync latency, microseconds, since the node started (-1 before the first)
 * @param batchP50    changes made durable per fsync (group commit), median
 * @param failure     why the log takes no more writes, or null
 * @param fsyncSeconds fsync latency since the node started, in buckets
 * @param batchEntries changes made durable per fsync, in buckets
 * @param snapshotsRejected snapshots received from a leader damaged, deleted and asked for again, since the node started
 */
public record LogStatus(long term, long firstIndex, long lastIndex, long durableIndex, long commitIndex, long appliedIndex,
                        long snapshotIndex, long digest, long sizeBytes, long fsyncs, long fsyncP50Us, long fsyncP99Us, long batchP50,
                        long batchMax, String failure, Distribution fsyncSeconds, Distribution batchEntries, long snapshotsRejected) {
}
