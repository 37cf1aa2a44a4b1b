package dev.repl.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ReadIndexTest {

    @Test
    void aReadIsConfirmedOnceAMajorityAnswersAMessageSentAfterIt() {
        ReadIndex reads = new ReadIndex(List.of("b", "c"));
        long before = reads.round();
        CompletableFuture<Void> read = reads.begin();
        // An answer to something sent before the read proves nothing about now.
        reads.acknowledged("b", before);
        reads.acknowledged("c", before);
        assertFalse(read.isDone());
        // One follower's answer to a message sent after it, with the leader's own, is a majority of three.
        reads.acknowledged("b", reads.round());
        assertTrue(read.isDone());
    }

    @Test
    void inFiveNodesTwoAnswersAreNotEnough() {
        ReadIndex reads = new ReadIndex(List.of("b", "c", "d", "e"));
        CompletableFuture<Void> read = reads.begin();
        reads.acknowledged("b", reads.round());
        assertFalse(read.isDone());
        reads.acknowledged("e", reads.round());
        assertTrue(read.isDone());
    }

    @Test
    void laterReadsWaitForTheirOwnRound() {
        ReadIndex reads = new ReadIndex(List.of("b", "c"));
        CompletableFuture<Void> first = reads.begin();
        long firstRound = reads.round();
        CompletableFuture<Void> second = reads.begin();
        reads.acknowledged("c", firstRound);
        assertTrue(first.isDone());
        assertFalse(second.isDone());
        reads.acknowledged("b", reads.round());
        assertTrue(second.isDone());
    }

    @Test
    void aLeaderThatStepsDownFailsItsWaitingReads() {
        ReadIndex reads = new ReadIndex(List.of("b", "c"));
        CompletableFuture<Void> read = reads.begin();
        reads.fail(new IllegalStateException("no longer the leader"));
        assertTrue(read.isCompletedExceptionally());
        assertTrue(reads.begin().isCompletedExceptionally());
    }

    @Test
    void theConfirmedRoundIsTheMajoritysLowest() {
        assertEquals(5, ReadIndex.confirmed(new long[] {5, 1}, 9));
        assertEquals(1, ReadIndex.confirmed(new long[] {1, 1, 7, 0}, 9));
        assertEquals(9, ReadIndex.confirmed(new long[0], 9)); // one node: its own round
    }

    /**
     * The stale-leader case on a simulated network: the old leader was frozen while the others
     * elected a new one. Its followers now answer only the new leader's term; the old one's reads
     * never confirm, however long it waits, while the new leader's do.
     */
    @Test
    void aDeposedLeaderResumedAfterAFreezeServesNoRead() {
        SimulatedCluster c = new SimulatedCluster(61, "n1", "n2", "n3");
        c.runMillis(3_000);
        SimulatedCluster.Node old = c.agreedLeader();
        long oldTerm = old.election.term();
        ReadIndex oldReads = new ReadIndex(others(c, old));
        c.stop(old.id); // SIGSTOP: nothing in or out
        c.runMillis(3_000);
        SimulatedCluster.Node current = c.agreedLeader();
        ReadIndex newReads = new ReadIndex(others(c, current));
        // SIGCONT: the frozen leader still believes it leads (its state was frozen with it) and takes a read.
        CompletableFuture<Void> stale = oldReads.begin();
        CompletableFuture<Void> fresh = newReads.begin();
        for (SimulatedCluster.Node n : c.nodes()) {
            if (n == old || n == current) {
                continue;
            }
            // A follower answers a leader's message only in the term it follows (the replication stream's rule).
            if (n.election.term() == oldTerm) {
                oldReads.acknowledged(n.id, oldReads.round());
            }
            if (n.election.term() == current.election.term()) {
                newReads.acknowledged(n.id, newReads.round());
            }
        }
        assertTrue(fresh.isDone(), "the new leader's read is confirmed");
        assertFalse(stale.isDone(), "the frozen leader's read is never confirmed");
    }

    private static List<String> others(SimulatedCluster c, SimulatedCluster.Node self) {
        List<String> ids = new ArrayList<>();
        c.nodes().forEach(n -> {
            if (n != self) {
                ids.add(n.id);
            }
        });
        return ids;
    }
}
