package dev.repl.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.repl.api.Acks;
import org.junit.jupiter.api.Test;

class CommitRuleTest {

    @Test
    void quorumIsAMajorityWithTheLeader() {
        assertEquals(7, CommitRule.durableOnEnough(Acks.QUORUM, 9, new long[] {7, 3}), "leader 9 and one follower at 7: 2 of 3");
        assertEquals(2, CommitRule.durableOnEnough(Acks.QUORUM, 2, new long[] {7, 3}), "two followers at 3 and beyond, the leader at 2: 2");
        assertEquals(5, CommitRule.durableOnEnough(Acks.QUORUM, 5, new long[] {9, 9}),
                "followers ahead of the leader's fsync commit nothing the leader's own log would lose in a crash");
        assertEquals(5, CommitRule.durableOnEnough(Acks.QUORUM, 9, new long[] {8, 5, 1, 0}), "3 of 5");
    }

    @Test
    void leaderAndAllLevels() {
        assertEquals(9, CommitRule.durableOnEnough(Acks.LEADER, 9, new long[] {0, 0}));
        assertEquals(2, CommitRule.durableOnEnough(Acks.LEADER, 2, new long[] {7, 3}), "leader means the leader's own fsync, not anyone's");
        assertEquals(3, CommitRule.durableOnEnough(Acks.ALL, 9, new long[] {7, 3}));
        assertEquals(0, CommitRule.durableOnEnough(Acks.ALL, 9, new long[] {7, 0}), "one follower down: nothing more commits");
    }

    @Test
    void aLeaderCommitsByCountingOnlyEntriesOfItsOwnTerm() {
        assertEquals(4, CommitRule.advance(4, 6, 2, 3), "index 6 is of term 2, the leader is in 3: not by counting");
        assertEquals(7, CommitRule.advance(4, 7, 3, 3));
        assertEquals(7, CommitRule.advance(7, 5, 3, 3), "never backwards");
    }

    @Test
    void copiesSayHowFarAWriteGot() {
        assertEquals(1, CommitRule.copies(8, 9, new long[] {7, 3}));
        assertEquals(2, CommitRule.copies(7, 9, new long[] {7, 3}));
        assertEquals("2 of 3 needed", Acks.QUORUM.needed(3) + " of 3 needed");
    }
}
