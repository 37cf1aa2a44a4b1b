package dev.repl.cli;

import dev.repl.api.Peer;
import java.util.ArrayList;
import java.util.List;

/**
 * The follower processes a command has started. Starting and stopping exclude each other, so a
 * stop that races a start (Ctrl-C while a child is being forked) still sees, and stops, that
 * child; once stopped, nothing more is started.
 */
public final class FollowerProcesses {

    private final List<String> inherited;
    private final List<FollowerProcess> started = new ArrayList<>();
    private boolean stopped;

    /** @param inherited options of this command line the children get too: --verbose, --log-format */
    public FollowerProcesses(List<String> inherited) {
        this.inherited = List.copyOf(inherited);
    }

    /** A --once follower, as the demo runs them. */
    synchronized FollowerProcess once(Peer follower) {
        return add(follower, "--once");
    }

    /** A follower that runs until stopped, or until this process dies. */
    public synchronized FollowerProcess start(Peer follower) {
        return add(follower);
    }

    private FollowerProcess add(Peer follower, String... extraArgs) {
        if (stopped) {
            throw new IllegalStateException("stopping; not starting " + follower.name());
        }
        FollowerProcess child = FollowerProcess.start(follower, inherited, extraArgs);
        started.add(child);
        return child;
    }

    synchronized List<FollowerProcess> started() {
        return List.copyOf(started);
    }

    /** Stops and reaps every child; safe to call more than once and from a shutdown hook. */
    public synchronized void stopAll() {
        stopped = true;
        started.forEach(FollowerProcess::stop);
    }
}
