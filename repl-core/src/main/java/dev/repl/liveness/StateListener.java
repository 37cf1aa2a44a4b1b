package dev.repl.liveness;

import dev.repl.api.FollowerState;
import dev.repl.api.Peer;

/** Told of every follower state change, on the link's event loop. Must not block. */
@FunctionalInterface
public interface StateListener {

    StateListener NONE = (follower, from, to, evidence, atNanos) -> { };

    void stateChanged(Peer follower, FollowerState from, FollowerState to, String evidence, long atNanos);
}
