package dev.repl.leader;

import java.util.List;

/** The outcome of a one-shot check, one entry per follower in the order they were given. */
public record HeartbeatReport(List<FollowerOutcome> outcomes) {

    public HeartbeatReport {
        outcomes = List.copyOf(outcomes);
    }

    public int total() {
        return outcomes.size();
    }

    public int responded() {
        return (int) outcomes.stream().filter(FollowerOutcome::responded).count();
    }
}
