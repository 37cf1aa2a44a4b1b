package dev.repl.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.Acks;
import dev.repl.api.KeyValueStore;
import dev.repl.api.LogOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable term and vote: what a node may follow and vote for, and that it survives a restart. */
class ReplicaTermTest {

    @TempDir
    Path dir;
    Replica replica;

    private final LogOptions options = new LogOptions(64 * 1024, 0, 0, 64 * 1024, 256 * 1024, Acks.QUORUM, Duration.ofSeconds(5));

    @BeforeEach
    void open() throws Exception {
        replica = Replica.open("r", dir, "repl", new KeyValueStore(), options);
    }

    @AfterEach
    void close() {
        replica.close();
    }

    @Test
    void aVoteForACandidateLetsInTheLeaderItBecameAndAnElectedLeaderWhomeverItVotedFor() throws Exception {
        replica.vote(3, "n2").get();
        assertTrue(replica.follow(3, "n2#abc", true).get(), "the candidate voted for, as leader");
        assertEquals("n2#abc", replica.votedFor());
        replica.vote(4, "n3").get();
        assertTrue(replica.follow(4, "n1#def", true).get(), "a majority elected n1 without this vote: it is followed");
        assertFalse(replica.follow(4, "n3#999", true).get(), "but a second leader in the same term is not");
        assertFalse(replica.follow(3, "n2#abc", true).get(), "nor a leader of an older term");
    }

    @Test
    void aFixedLeaderIsFollowedOnlyIfItIsTheOneOfItsTerm() throws Exception {
        assertTrue(replica.follow(1, "leader#1").get());
        assertFalse(replica.follow(1, "leader#2").get(), "the same name in another incarnation is another leader");
    }

    @Test
    void theTermAndVoteSurviveARestartAndNeverGoBack() throws Exception {
        replica.vote(5, "n3").get();
        replica.close();
        replica = Replica.open("r", dir, "repl", new KeyValueStore(), options);
        assertEquals(5, replica.currentTerm());
        assertEquals("n3", replica.votedFor());
        assertFalse(replica.vote(4, "n1").get(), "a term never goes back");
        assertFalse(replica.vote(5, "n1").get(), "nor is a vote replaced in its term");
        assertTrue(replica.vote(5, null).get(), "taking the term again changes nothing");
        assertEquals("n3", replica.votedFor());
        assertTrue(replica.follow(5, "n3#77", true).get());
        assertFalse(replica.vote(5, "n2").get(), "a leader followed in a term keeps out a vote for another");
    }
}
