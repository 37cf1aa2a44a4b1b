package dev.repl.election;

import java.util.List;

/**
 * What a node that elects its leader says of the election, for {@code /status}: its term and role,
 * the leader it knows of, every member's role as this node sees it, and the last election it
 * stood in.
 *
 * @param leader       the leader's id, or null while none is known
 * @param lastElection null until this node has stood
 */
public record ElectionStatus(long term, String role, String leader, List<Member> members, LastElection lastElection) {

    public ElectionStatus {
        members = List.copyOf(members);
    }

    /** @param role leader, follower (of this node's known leader), candidate (this node standing) or unknown */
    public record Member(String id, String address, String role) {
    }

    /** @param atEpochMs when it started, in milliseconds since the epoch */
    public record LastElection(long term, long atEpochMs, String why) {
    }
}
