package dev.repl.liveness;

import dev.repl.api.FollowerState;

/**
 * A point-in-time view of one follower, safe to hand to any thread.
 *
 * @param lastAckAgeMs milliseconds since the last ack, or -1 if none has arrived yet
 * @param lastRttUs    round-trip time of the latest ack in microseconds, or -1 without one
 * @param rttP50Us     median round-trip time in microseconds since the leader started, or -1 without samples
 * @param rttSamples   acks timed so far; with {@code rttMeanUs}, the count and sum of a Prometheus summary
 * @param missed       heartbeats not acked before the next one was due
 * @param reconnects   connections re-established after a loss
 * @param lastEvent    the evidence of the latest state change, for example {@code no ack for 312 ms}
 */
public record FollowerStatus(String name, String address, FollowerState state, long lastAckAgeMs, long lastRttUs,
                             long rttP50Us, long rttP99Us, long rttSamples, double rttMeanUs,
                             long missed, long reconnects, long connectAttempts, String lastEvent) {
}
