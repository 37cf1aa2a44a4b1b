package dev.repl.election;

import java.util.List;

/**
 * What a node that elects its leader says of the election, for {@code /status}: its term and role,
 * the leader it knows of, every member's role as this node sees it, and the last election it
 * stood in.
 *
 * @param leader        the leader's id, or null while none is known
 * @param lastElection  null until this node has stood
 * @param votesWithheld why this node neither votes nor stands, until it has caught up (it lost records
 *                      it may have acknowledged); null while it votes
 */
public record ElectionStatus(long term, String role, String leader, List<Member> members, LastElection lastElection, String votesWithheld) {

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
