package dev.repl.api;

/** What a node is doing in its cluster; a fixed node is always a LEADER or a FOLLOWER. */
public enum Role {
    FOLLOWER,
    /** Asking whether it could win before it raises the term (pre-vote). */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
