package dev.repl.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Election on a simulated network and clock ({@link SimulatedCluster}): every rule, and what breaks without it. */
class ElectionTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void threeNodesElectOneLeaderThatEveryoneFollows(long seed) {
        SimulatedCluster c = new SimulatedCluster(seed, "n1", "n2", "n3");
        c.runMillis(3_000);
        SimulatedCluster.Node leader = c.agreedLeader();
        assertNotNull(leader, "one leader that every node follows");
        assertTrue(leader.election.status().lastElection().why().contains("no leader heard since start"));
        long term = leader.election.term();
        c.runMillis(10_000);
        assertEquals(leader, c.agreedLeader(), "a healthy leader keeps its lead");
        assertEquals(term, leader.election.term(), "and no election happens while it is heard");
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15})
    void whenTheLeaderStopsTheOthersElectAnotherInALaterTerm(long seed) {
        SimulatedCluster c = new SimulatedCluster(seed, "n1", "n2", "n3");
        c.runMillis(3_000);
        SimulatedCluster.Node first = c.agreedLeader();
        long term = first.election.term();
        c.stop(first.id);
        c.runMillis(3_000);
        SimulatedCluster.Node second = c.agreedLeader();
        assertNotNull(second);
        assertNotEquals(first, second);
        assertTrue(second.election.term() > term);
        assertTrue(second.election.status().lastElection().why().startsWith("no leader heard for"),
                second.election.status().lastElection().why());
        // The old leader comes back: it follows the new one and does not disturb it.
        c.restart(first.id);
        long newTerm = second.election.term();
        c.runMillis(3_000);
        assertEquals(second, c.agreedLeader());
        assertEquals(newTerm, second.election.term());
    }

    @ParameterizedTest
    @ValueSource(longs = {41, 42, 43, 44, 45})
    void aLeaderThatCannotLeadStepsDownNeverStandsAndStillVotes(long seed) {
        SimulatedCluster c = new SimulatedCluster(seed, "n1", "n2", "n3");
        c.runMillis(3_000);
        SimulatedCluster.Node first = c.agreedLeader();
        assertNotNull(first);
        first.election.cannotLead("its disk is full", c.now);
        assertEquals(Election.Role.FOLLOWER, first.election.role(), "it steps down at once");
        assertTrue(first.changes.get(first.changes.size() - 1).contains("this node cannot lead: its disk is full"), first.changes.toString());
        int sentBefore = first.requestsSent;
        c.runMillis(5_000);
        SimulatedCluster.Node second = c.agreedLeader();
        assertNotNull(second, "the others elect one of themselves");
        assertNotEquals(first, second);

        // The new leader stops: the one left needs the vote of the node that cannot lead, and gets it.
        c.stop(second.id);
        c.runMillis(10_000);
        SimulatedCluster.Node third = c.agreedLeader();
        assertNotNull(third, "a majority with a member that cannot lead still elects");
        assertNotEquals(first, third);
        assertEquals(sentBefore, first.requestsSent, "it never asked for a vote or a pre-vote again");
    }

    @ParameterizedTest
    @ValueSource(longs = {51, 52, 53})
    void aNodeWhoseLogLostAcknowledgedRecordsNeitherVotesNorStandsUntilANewLeaderReplicatedToIt(long seed) {
        // n1 and n3 held index 10 of term 2, committed with n3's ack; n3's disk lost it, n1 is down.
        // Voting, n3 would elect n2, whose log lacks the committed entry.
        SimulatedCluster c = new SimulatedCluster(seed, "n1", "n2", "n3");
        for (SimulatedCluster.Node n : c.nodes()) {
            n.disk.term = 2;
            n.log.lastTerm = 2;
            n.log.lastIndex = n.id.equals("n1") ? 10 : 9;
        }
        SimulatedCluster.Node n3 = c.node("n3");
        n3.election.withholdVotes(2, Long.MAX_VALUE, "recovery cut index 10 on from its log");
        c.stop("n1");
        c.runMillis(10_000);
        assertNull(c.agreedLeader(), "no leader without the member that holds the committed entry");
        assertEquals(0, n3.requestsSent, "it never stood");
        Election.VoteResponse refused = n3.election.receive(new Election.VoteRequest(false, 9, "n2", 9, 2), c.now);
        assertFalse(refused.granted());
        assertTrue(refused.reason().startsWith("this node votes again once a leader of a term after 2 has replicated to it"), refused.reason());

        c.restart("n1");
        c.runMillis(5_000);
        assertEquals("n1", c.agreedLeader().id, "the member with the entry is elected without n3's vote");
        n3.log.lastTerm = c.agreedLeader().election.term(); // its replication reached n3
        assertNull(n3.election.withheld(), "and n3 votes again");
    }

    @Test
    void aCandidateWithAShorterLogNeverWins() {
        for (long seed = 20; seed < 40; seed++) {
            SimulatedCluster c = new SimulatedCluster(seed, "n1", "n2", "n3");
            // n3 missed the last entry of term 2: n1 and n2 hold it, and with it everything a majority committed.
            for (SimulatedCluster.Node n : c.nodes()) {
                n.disk.term = 2;
                n.log.lastTerm = 2;
                n.log.lastIndex = n.id.equals("n3") ? 9 : 10;
            }
            c.runMillis(3_000);
            SimulatedCluster.Node leader = c.agreedLeader();
            assertNotNull(leader);
            assertNotEquals("n3", leader.id, "seed " + seed);
        }
    }

    @Test
    void theVotingRuleComparesTheLastTermFirstThenTheLength() {
        SimulatedCluster.Disk disk = new SimulatedCluster.Disk();
        disk.term = 5;
        SimulatedCluster.Log log = new SimulatedCluster.Log();
        log.lastIndex = 10;
        log.lastTerm = 4;
        Election voter = new Election("v", List.of("a", "b"), SimulatedCluster.TIMEOUT, disk, log, noEffects(), new Random(1));
        voter.start(0);
        // A longer log of an older last term is behind.
        Election.VoteResponse r = voter.receive(new Election.VoteRequest(false, 6, "a", 100, 3), 0);
        assertFalse(r.granted());
        assertTrue(r.reason().contains("behind"), r.reason());
        // The request's term is taken even when the vote is refused.
        assertEquals(6, disk.term);
        assertNull(disk.votedFor);
        // A shorter log of a later last term is ahead.
        assertTrue(voter.receive(new Election.VoteRequest(false, 6, "b", 3, 5), 0).granted());
        assertEquals("b", disk.votedFor);
        // The same last term and at least as long: granted (a vote already given to the same candidate is repeated).
        assertTrue(voter.receive(new Election.VoteRequest(false, 6, "b", 10, 5), 0).granted());
    }

    @Test
    void oneVotePerTermEvenAcrossARestart() {
        SimulatedCluster.Disk disk = new SimulatedCluster.Disk();
        SimulatedCluster.Log log = new SimulatedCluster.Log();
        Election voter = new Election("v", List.of("a", "b"), SimulatedCluster.TIMEOUT, disk, log, noEffects(), new Random(1));
        voter.start(0);
        assertTrue(voter.receive(new Election.VoteRequest(false, 1, "a", 0, 0), 0).granted());
        Election.VoteResponse second = voter.receive(new Election.VoteRequest(false, 1, "b", 0, 0), 0);
        assertFalse(second.granted());
        assertEquals("voted for a in term 1", second.reason());
        // Restarted from what is on disk: still the one vote.
        Election restarted = new Election("v", List.of("a", "b"), SimulatedCluster.TIMEOUT, disk, log, noEffects(), new Random(2));
        restarted.start(0);
        assertFalse(restarted.receive(new Election.VoteRequest(false, 1, "b", 0, 0), 0).granted());
        // A later term is a new vote.
        assertTrue(restarted.receive(new Election.VoteRequest(false, 2, "b", 0, 0), 0).granted());
    }

    @Test
    void anIdThatAnotherIdPrefixesWithAHashNeverGetsASecondVoteInTheTerm() {
        // A recorded vote reads "n" for candidate n, "n#1f" for the leader n became: with n#1 a member, the two would read alike.
        SimulatedCluster.Disk disk = new SimulatedCluster.Disk();
        Election voter = new Election("v", List.of("n", "m"), SimulatedCluster.TIMEOUT, disk, new SimulatedCluster.Log(), noEffects(),
                new Random(1));
        voter.start(0);
        Election.VoteResponse first = voter.receive(new Election.VoteRequest(false, 1, "n#1", 0, 0), 0);
        Election.VoteResponse second = voter.receive(new Election.VoteRequest(false, 1, "n", 0, 0), 0);
        assertFalse(first.granted() && second.granted(), "two votes in term 1: " + disk.votedFor);
        assertTrue(second.granted(), "the member's vote");
        assertEquals("n", disk.votedFor);
        assertThrows(IllegalArgumentException.class, () -> new Election("v", List.of("n", "n#1"), SimulatedCluster.TIMEOUT, disk,
                new SimulatedCluster.Log(), noEffects(), new Random(1)), "a member id with a '#' cannot be told from a leader's");
    }

    @Test
    void aVoteRequestOlderThanTheVotersTermIsRefusedWithItsTerm() {
        SimulatedCluster.Disk disk = new SimulatedCluster.Disk();
        disk.term = 7;
        Election voter = new Election("v", List.of("a", "b"), SimulatedCluster.TIMEOUT, disk, new SimulatedCluster.Log(), noEffects(),
                new Random(1));
        voter.start(0);
        Election.VoteResponse r = voter.receive(new Election.VoteRequest(false, 6, "a", 0, 0), 0);
        assertFalse(r.granted());
        assertEquals(7, r.term());
    }

    @Test
    void preVoteKeepsAPartitionedNodeFromRaisingItsTermAndDeposingTheLeader() {
        SimulatedCluster c = new SimulatedCluster(41, "n1", "n2", "n3");
        c.runMillis(3_000);
        SimulatedCluster.Node leader = c.agreedLeader();
        long term = leader.election.term();
        SimulatedCluster.Node cutOff = c.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        c.isolate(cutOff.id);
        c.runMillis(10_000); // twenty election timeouts alone
        assertEquals(term, cutOff.election.term(), "a pre-vote that is never won does not take the term");
        assertTrue(cutOff.changes.isEmpty() || cutOff.changes.stream().noneMatch(s -> s.startsWith("CANDIDATE")));
        c.heal();
        c.runMillis(3_000);
        assertEquals(leader, c.agreedLeader(), "the healthy leader keeps its lead");
        assertEquals(term, leader.election.term());
    }

    @Test
    void withoutPreVoteTheSameNodeWouldHaveRaisedItsTerm() {
        // What pre-vote prevents: a real vote request of a later term makes the leader step down.
        SimulatedCluster c = new SimulatedCluster(42, "n1", "n2", "n3");
        c.runMillis(3_000);
        SimulatedCluster.Node leader = c.agreedLeader();
        List<SimulatedCluster.Node> followers = c.nodes().stream().filter(n -> n != leader).toList();
        String candidate = followers.get(1).id;
        // While a majority hears the leader, a later term's request is ignored (the lease rule) ...
        Election.VoteResponse r = leader.election.receive(new Election.VoteRequest(false, leader.election.term() + 5, candidate, 99, 99),
                c.now);
        assertFalse(r.granted());
        assertEquals(Election.Role.LEADER, leader.election.role());
        // ... and pre-votes are refused by followers that hear it.
        SimulatedCluster.Node follower = followers.get(0);
        Election.VoteResponse pre = follower.election.receive(new Election.VoteRequest(true, leader.election.term() + 1, candidate, 99, 99),
                c.now);
        assertFalse(pre.granted());
        assertTrue(pre.reason().contains(leader.id + " leads"), pre.reason());
    }

    @Test
    void checkQuorumMakesAnIsolatedLeaderStepDown() {
        SimulatedCluster c = new SimulatedCluster(43, "n1", "n2", "n3");
        c.runMillis(3_000);
        SimulatedCluster.Node old = c.agreedLeader();
        c.isolate(old.id);
        c.runMillis(SimulatedCluster.TIMEOUT / 1_000_000 * 3 / 2);
        assertEquals(Election.Role.FOLLOWER, old.election.role(), "stepped down within one and a half election timeouts");
        assertTrue(old.changes.get(old.changes.size() - 1).contains("check-quorum"), old.changes.toString());
        c.runMillis(3_000);
        List<SimulatedCluster.Node> leaders = c.leaders();
        assertEquals(1, leaders.size());
        assertNotEquals(old, leaders.get(0), "the majority side elected its own");
        c.heal();
        c.runMillis(3_000);
        assertEquals(leaders.get(0), c.agreedLeader(), "and the old leader follows it once healed");
    }

    @Test
    void aLeaderThatHearsOnlyOneWayStillStepsDown() {
        // The leader's heartbeats arrive, but nothing comes back: followers are content, the leader is not.
        SimulatedCluster c = new SimulatedCluster(44, "n1", "n2", "n3");
        c.runMillis(3_000);
        SimulatedCluster.Node old = c.agreedLeader();
        for (SimulatedCluster.Node n : c.nodes()) {
            if (n != old) {
                c.cutOneWay(n.id, old.id);
            }
        }
        c.runMillis(5_000);
        assertNotEquals(Election.Role.LEADER, old.election.role());
    }

    @ParameterizedTest
    @ValueSource(longs = {50, 51, 52, 53, 54})
    void neverTwoLeadersOfOneTermUnderRandomFaults(long seed) {
        SimulatedCluster c = new SimulatedCluster(seed, "n1", "n2", "n3", "n4", "n5");
        Random faults = new Random(seed);
        List<String> ids = List.of("n1", "n2", "n3", "n4", "n5");
        java.util.Map<Long, String> leaderOfTerm = new java.util.HashMap<>();
        for (int round = 0; round < 60; round++) {
            switch (faults.nextInt(4)) {
                case 0 -> c.isolate(ids.get(faults.nextInt(5)));
                case 1 -> c.cutOneWay(ids.get(faults.nextInt(5)), ids.get(faults.nextInt(5)));
                case 2 -> {
                    String id = ids.get(faults.nextInt(5));
                    if (c.node(id).up) {
                        c.stop(id);
                    } else {
                        c.restart(id);
                    }
                }
                default -> c.heal();
            }
            for (int ms = 0; ms < 700; ms += 10) {
                c.runMillis(10);
                for (SimulatedCluster.Node n : c.leaders()) {
                    String before = leaderOfTerm.putIfAbsent(n.election.term(), n.id);
                    assertTrue(before == null || before.equals(n.id), "two leaders of term " + n.election.term() + ": " + before + ", " + n.id);
                }
            }
        }
        c.heal();
        for (String id : ids) {
            if (!c.node(id).up) {
                c.restart(id);
            }
        }
        c.runMillis(5_000);
        assertNotNull(c.agreedLeader(), "a leader once every fault is healed");
    }

    @Test
    void ofTwoNodesStandingAtOnceWithTheSameLogOnlyTheLowerIdIsGrantedThePreVote() {
        SimulatedCluster.Disk disk = new SimulatedCluster.Disk();
        disk.term = 4;
        SimulatedCluster.Log log = new SimulatedCluster.Log();
        log.lastIndex = 10;
        log.lastTerm = 4;
        List<Election.VoteRequest> sent = new ArrayList<>();
        Election n2 = new Election("n2", List.of("n1", "n3"), SimulatedCluster.TIMEOUT, disk, log, new Election.Effects() {
            @Override
            public void send(String peer, Election.VoteRequest request) {
                sent.add(request);
            }

            @Override
            public void roleChanged(Election.Role role, long term, String leader, String why) {
            }
        }, new Random(3));
        n2.start(0);
        n2.tick(3 * SimulatedCluster.TIMEOUT); // its timer ran out: it stands
        assertEquals(Election.Role.PRE_CANDIDATE, n2.role());
        assertEquals(5, sent.get(0).term());
        Election.VoteResponse toN3 = n2.receive(new Election.VoteRequest(true, 5, "n3", 10, 4), 3 * SimulatedCluster.TIMEOUT);
        assertFalse(toN3.granted(), "a higher id standing with the same log waits");
        assertTrue(n2.receive(new Election.VoteRequest(true, 5, "n1", 10, 4), 3 * SimulatedCluster.TIMEOUT).granted(), "a lower id goes on");
        assertTrue(n2.receive(new Election.VoteRequest(true, 5, "n3", 11, 4), 3 * SimulatedCluster.TIMEOUT).granted(),
                "a longer log goes on whatever its id");
        assertEquals(4, disk.term, "pre-votes change nothing durable");
    }

    @Test
    void aLeaderWhoseRecordedTermMovedOnStepsDownAtItsNextStep() {
        SimulatedCluster c = new SimulatedCluster(70, "n1", "n2", "n3");
        c.runMillis(3_000);
        SimulatedCluster.Node leader = c.agreedLeader();
        long term = leader.election.term();
        // The node accepted a newer leader's stream on another thread: the term is on disk, the election has not seen it.
        leader.disk.term = term + 1;
        leader.disk.votedFor = "n9#1";
        leader.election.tick(c.now);
        assertEquals(Election.Role.FOLLOWER, leader.election.role());
        assertEquals(term + 1, leader.election.term());
        assertTrue(leader.changes.get(leader.changes.size() - 1).contains("was recorded"), leader.changes.toString());
    }

    @Test
    void aLeaderHearingAnotherLeaderOfALaterTermFollowsIt() {
        SimulatedCluster c = new SimulatedCluster(71, "n1", "n2", "n3");
        c.runMillis(3_000);
        SimulatedCluster.Node leader = c.agreedLeader();
        long term = leader.election.term();
        assertTrue(leader.election.leaderHeard(term, leader.id, c.now), "its own heartbeat echoed changes nothing");
        assertEquals(Election.Role.LEADER, leader.election.role());
        List<SimulatedCluster.Node> others = c.nodes().stream().filter(n -> n != leader).toList();
        assertTrue(leader.election.leaderHeard(term + 1, others.get(0).id, c.now));
        assertEquals(Election.Role.FOLLOWER, leader.election.role());
        assertEquals(others.get(0).id, leader.election.leader());
        assertFalse(leader.election.leaderHeard(term, others.get(1).id, c.now), "a leader of an older term is stale");
    }

    @Test
    void aStrangerIsNeitherVotedForNorFollowedNorCounted() {
        SimulatedCluster.Disk disk = new SimulatedCluster.Disk();
        Election v = new Election("v", List.of("a", "b"), SimulatedCluster.TIMEOUT, disk, new SimulatedCluster.Log(), noEffects(),
                new Random(1));
        v.start(0);
        Election.VoteResponse stranger = v.receive(new Election.VoteRequest(true, 1, "z", 0, 0), 0);
        assertFalse(stranger.granted());
        assertEquals("z is not a member (the members are a, b, v)", stranger.reason());
        assertEquals("it has this node's own id v", v.receive(new Election.VoteRequest(false, 1, "v", 0, 0), 0).reason());
        assertFalse(v.leaderHeard(3, "z", 0), "a stranger's stream or heartbeats");
        assertEquals(0, disk.term, "nothing recorded for a stranger");
        assertNull(v.leader());

        v.tick(3 * SimulatedCluster.TIMEOUT); // stands
        assertEquals(Election.Role.PRE_CANDIDATE, v.role());
        v.receive(new Election.VoteResponse(true, 1, "z", true, ""), 3 * SimulatedCluster.TIMEOUT);
        assertEquals(Election.Role.PRE_CANDIDATE, v.role(), "a stranger's pre-vote makes no majority");
        v.receive(new Election.VoteResponse(true, 1, "a", true, ""), 3 * SimulatedCluster.TIMEOUT);
        assertEquals(Election.Role.CANDIDATE, v.role(), "a member's does");
    }

    @Test
    void aRecordedVoteNamesACandidateOrTheLeaderItBecameExactly() {
        assertTrue(MemberId.sameNode("n", "n#1f"), "the candidate voted for, as leader");
        assertTrue(MemberId.sameNode("n#1f", "n"));
        assertFalse(MemberId.sameNode("n#1f", "n#2e"), "two incarnations are two leaders");
        assertFalse(MemberId.sameNode("n1#1f", "n"), "not a prefix");
        assertFalse(MemberId.sameNode("n", "n1"));
        assertEquals("n", MemberId.memberOf("n#1f"));
        assertEquals("1f", MemberId.incarnationOf("n#1f"));
        assertNull(MemberId.incarnationOf("n"));
        for (String bad : new String[] {"n#1", "", "-n", ".n", "n m", "n/1", "é", "x".repeat(63)}) {
            assertFalse(MemberId.isValid(bad), bad);
        }
        for (String good : new String[] {"n1", "N", "db-1.east_2", "0", "x".repeat(62)}) {
            assertTrue(MemberId.isValid(good), good);
        }
    }

    private static Election.Effects noEffects() {
        List<String> ignored = new ArrayList<>();
        return new Election.Effects() {
            @Override
            public void send(String peer, Election.VoteRequest request) {
                ignored.add(peer);
            }

            @Override
            public void roleChanged(Election.Role role, long term, String leader, String why) {
                ignored.add(why);
            }
        };
    }
}
