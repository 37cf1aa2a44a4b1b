package dev.repl.api;

/** A follower as its leader sees it. */
public enum FollowerState {
    /** Not yet answered on any connection. */
    CONNECTING,
    /** Answering heartbeats. */
    UP,
    /** Late, not yet late enough to be declared down. */
    SUSPECT,
    /** Declared failed: its connection closed, or it stopped answering. The leader reconnects. */
    DOWN
}
