package dev.repl.api.client;

import java.util.List;

/**
 * The outcome of a one-shot check, one entry per follower in the order they were given. The
 * counts agree by construction: every follower that responded was sent a heartbeat, and every
 * one sent a heartbeat was linked.
 */
public record HeartbeatReport(List<FollowerOutcome> outcomes) {

    public HeartbeatReport {
        outcomes = List.copyOf(outcomes);
    }

    public int total() {
        return outcomes.size();
    }

    public int linked() {
        return (int) outcomes.stream().filter(FollowerOutcome::linked).count();
    }

    public int sent() {
        return (int) outcomes.stream().filter(FollowerOutcome::sent).count();
    }

    public int responded() {
        return (int) outcomes.stream().filter(FollowerOutcome::responded).count();
    }
}
