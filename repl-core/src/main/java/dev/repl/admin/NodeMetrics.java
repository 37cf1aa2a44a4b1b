package dev.repl.admin;

import dev.repl.api.FollowerState;
import dev.repl.liveness.FollowerStatus;
import dev.repl.node.LeaderTracker;
import dev.repl.replication.Distribution;
import dev.repl.replication.FollowerReplication;
import dev.repl.replication.LogStatus;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.SummaryWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The node's Prometheus metrics. Every value is read from one {@link NodeStatus} taken per
 * scrape, so nothing is updated on the heartbeat path for metrics' sake and all families agree.
 * Scrapes run on the admin endpoint's single thread.
 */
public final class NodeMetrics {

    /** Divisors, not factors: 90 / 1e6 prints as 9.0E-5, 90 * 1e-6 as 8.999999999999999E-5. */
    private static final double MICROS_PER_SECOND = 1e6;
    private static final double MILLIS_PER_SECOND = 1e3;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private final Supplier<NodeStatus> source;
    private NodeStatus current;

    public NodeMetrics(Supplier<NodeStatus> source) {
        this.source = source;
        Supplier<NodeStatus> status = () -> current;
        GaugeWithCallback.builder().name("repl_follower_state")
                .help("1 for the follower's current state, 0 for the others")
                .labelNames("follower", "state")
                .callback(cb -> {
                    for (FollowerStatus f : status.get().followers()) {
                        for (FollowerState s : FollowerState.values()) {
                            cb.call(f.state() == s ? 1 : 0, f.name(), s.name());
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("repl_follower_last_ack_age_seconds")
                .help("Time since the follower's last ack; absent before the first")
                .labelNames("follower")
                .callback(cb -> status.get().followers().stream().filter(f -> f.lastAckAgeMs() >= 0)
                        .forEach(f -> cb.call(f.lastAckAgeMs() / MILLIS_PER_SECOND, f.name())))
                .register(registry);
        SummaryWithCallback.builder().name("repl_follower_rtt_seconds")
                .help("Heartbeat round-trip time since the leader started")
                .labelNames("follower")
                .callback(cb -> {
                    for (FollowerStatus f : status.get().followers()) {
                        Quantiles quantiles = f.rttSamples() == 0 ? Quantiles.EMPTY : Quantiles.of(
                                new Quantile(0.5, f.rttP50Us() / MICROS_PER_SECOND), new Quantile(0.99, f.rttP99Us() / MICROS_PER_SECOND));
                        cb.call(f.rttSamples(), f.rttSamples() * f.rttMeanUs() / MICROS_PER_SECOND, quantiles, f.name());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("repl_follower_missed_heartbeats_total")
                .help("Heartbeats not acked before the next one was due")
                .labelNames("follower")
                .callback(cb -> status.get().followers().forEach(f -> cb.call(f.missed(), f.name())))
                .register(registry);
        CounterWithCallback.builder().name("repl_follower_reconnects_total")
                .help("Connections to the follower re-established after a loss")
                .labelNames("follower")
                .callback(cb -> status.get().followers().forEach(f -> cb.call(f.reconnects(), f.name())))
                .register(registry);
        CounterWithCallback.builder().name("repl_follower_connect_attempts_total")
                .help("Connection attempts to the follower, successful or not")
                .labelNames("follower")
                .callback(cb -> status.get().followers().forEach(f -> cb.call(f.connectAttempts(), f.name())))
                .register(registry);
        GaugeWithCallback.builder().name("repl_leader_up")
                .help("On a follower: 1 while heartbeats arrive from a leader, 0 otherwise")
                .callback(cb -> {
                    NodeStatus s = status.get();
                    if (!s.isLeader()) {
                        cb.call(s.leader().state() == LeaderTracker.State.UP ? 1 : 0);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("repl_leader_last_heartbeat_age_seconds")
                .help("On a follower: time since the last heartbeat; absent before the first")
                .callback(cb -> {
                    NodeStatus s = status.get();
                    if (!s.isLeader() && s.leader().leader() != null) {
                        cb.call(s.leader().leader().lastHeartbeatAgeMs() / MILLIS_PER_SECOND);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("repl_leaders_heard")
                .help("On a follower: leaders heartbeating it within the leader timeout; 2 means two nodes act as its leader")
                .callback(cb -> {
                    NodeStatus s = status.get();
                    if (!s.isLeader()) {
                        LeaderTracker.Status leader = s.leader();
                        cb.call(leader.state() != LeaderTracker.State.UP ? 0 : leader.otherLeader() == null ? 1 : 2);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("repl_node_healthy")
                .help("1 while the node does its job (GET /health answers 200), 0 otherwise")
                .callback(cb -> cb.call(status.get().problem() == null ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder().name("repl_netty_buffer_memory_bytes")
                .help("Memory held by Netty's buffer allocator, for connections' reads and writes")
                .labelNames("kind")
                .callback(cb -> {
                    if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
                        cb.call(provider.metric().usedDirectMemory(), "direct");
                        cb.call(provider.metric().usedHeapMemory(), "heap");
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("repl_log_index")
                .help("The replicated log's last, durable, commit and applied indexes")
                .labelNames("kind")
                .callback(cb -> {
                    LogStatus log = status.get().log();
                    if (log != null) {
                        cb.call(log.lastIndex(), "last");
                        cb.call(log.durableIndex(), "durable");
                        cb.call(log.commitIndex(), "commit");
                        cb.call(log.appliedIndex(), "applied");
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("repl_log_term")
                .help("The latest term this node has seen")
                .callback(cb -> {
                    LogStatus log = status.get().log();
                    if (log != null) {
                        cb.call(log.term());
                    }
                }).register(registry);
        histogram("repl_log_fsync_seconds", "fsync latency of the log since the node started", LogStatus::fsyncSeconds, status);
        histogram("repl_log_batch_entries", "Changes made durable by one fsync of the log (group commit)", LogStatus::batchEntries, status);
        CounterWithCallback.builder().name("repl_log_fsyncs_total")
                .help("Forces of the log: one per batch of writes (group commit)")
                .callback(cb -> {
                    LogStatus log = status.get().log();
                    if (log != null) {
                        cb.call(log.fsyncs());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("repl_snapshots_rejected_total")
                .help("Snapshots received from a leader that arrived damaged (checksum, length, index or term): deleted and asked for again")
                .callback(cb -> {
                    LogStatus log = status.get().log();
                    if (log != null) {
                        cb.call(log.snapshotsRejected());
                    }
                }).register(registry);
        replicationGauge("repl_follower_match_index", "On a leader with a log: the last index the follower holds durably",
                FollowerReplication::matchIndex, status);
        replicationGauge("repl_follower_lag_records", "On a leader with a log: entries the follower does not hold yet",
                FollowerReplication::lagRecords, status);
        replicationGauge("repl_follower_lag_bytes", "On a leader with a log: what those entries take in the log",
                FollowerReplication::lagBytes, status);
        replicationGauge("repl_follower_lag_seconds", "On a leader with a log: how long ago the oldest of them was proposed",
                r -> r.lagMs() / MILLIS_PER_SECOND, status);
        replicationGauge("repl_follower_inflight_bytes", "On a leader with a log: bytes sent to the follower and not yet acknowledged",
                FollowerReplication::inflightBytes, status);
        JvmMemoryMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
    }

    /** A histogram kept by the log in fixed buckets, exposed as one (not recomputed from quantiles). */
    private void histogram(String name, String help, Function<LogStatus, Distribution> of, Supplier<NodeStatus> status) {
        MetricMetadata metadata = new MetricMetadata(name, help);
        registry.register(new Collector() {
            @Override
            public MetricSnapshot collect() {
                LogStatus log = status.get().log();
                if (log == null) {
                    return new HistogramSnapshot(metadata, List.of());
                }
                Distribution d = of.apply(log);
                return new HistogramSnapshot(metadata, List.of(new HistogramSnapshot.HistogramDataPointSnapshot(
                        ClassicHistogramBuckets.of(d.upperBounds(), d.counts()), d.sum(), Labels.EMPTY, Exemplars.EMPTY, 0)));
            }

            @Override
            public String getPrometheusName() {
                return name;
            }
        });
    }

    private void replicationGauge(String name, String help, ToDoubleFunction<FollowerReplication> value, Supplier<NodeStatus> status) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("follower")
                .callback(cb -> status.get().replication().forEach(r -> cb.call(value.applyAsDouble(r), r.name())))
                .register(registry);
    }

    public String contentType() {
        return writer.getContentType();
    }

    /** The Prometheus text exposition of every metric. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        current = source.get();
        try {
            writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
