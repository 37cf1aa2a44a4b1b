package dev.repl.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Members started by hand elect a leader, and another when it dies or freezes; clients follow it. */
class ElectionIT {

    private static final Duration CLIENT = Duration.ofSeconds(30);

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void membersElectALeaderAndAnotherWhenItIsKilled() throws Exception {
        PeerCluster c = new PeerCluster(repl, 3).start();
        int first = c.awaitLeader();
        long firstTerm = c.term(first);
        JsonNode status = c.status(first);
        assertEquals(3, status.path("election").path("members").size());
        assertTrue(status.path("election").path("lastElection").path("why").asText().contains("no leader heard since start"), status.toString());
        ReplProcess put = repl.run(CLIENT, "put", "color", "red", "--endpoints", c.endpoints());
        assertEquals(0, put.exitCode(), put.stderr());

        c.nodes[first].kill();
        int second = c.awaitNewLeader(first, first);
        JsonNode election = c.status(second).path("election");
        assertTrue(election.path("term").asLong() > firstTerm);
        assertTrue(election.path("lastElection").path("why").asText().startsWith("no leader heard for"), election.toString());
        // The same endpoints, the dead one first: the client finds the new leader, which has every acknowledged write.
        ReplProcess get = repl.run(CLIENT, "get", "color", "--endpoints", c.endpoints());
        assertEquals(0, get.exitCode(), get.stderr());
        assertEquals("red", get.stdout().strip());
        ReplProcess again = repl.run(CLIENT, "put", "color", "blue", "--endpoints", c.endpoints());
        assertEquals(0, again.exitCode(), again.stderr());

        // The old leader comes back as a follower of the new one, without an election, and catches up.
        c.start(first);
        c.awaitConverged();
        assertEquals(second, c.awaitLeader());
        assertEquals(election.path("term").asLong(), c.term(second), "the returning member deposed nobody");
        assertEquals("follower", c.status(first).path("role").asText());
        assertEquals("blue", c.get(first, "color", true).body(), "its applied state has the write made while it was down");
        assertEquals(503, c.get(first, "color", false).status(), "a follower refuses a linearizable read");
    }

    @Test
    void aFrozenLeaderThatResumesServesNoStaleRead() throws Exception {
        PeerCluster c = new PeerCluster(repl, 3).start();
        int old = c.awaitLeader();
        assertEquals(200, c.put(old, "k", "v1").status());
        c.nodes[old].signal("STOP");
        try {
            int fresh = c.awaitNewLeader(old, old);
            assertEquals(200, c.put(fresh, "k", "v2").status());
        } finally {
            c.nodes[old].signal("CONT");
        }
        // Resumed, it still believes it leads until it learns otherwise; no read may show v1 meanwhile.
        List<String> answers = new ArrayList<>();
        await("the resumed leader to step down").atMost(PeerCluster.START).pollInterval(Duration.ofMillis(20)).until(() -> {
            KvCluster.Answer a = c.get(old, "k", false);
            answers.add(a.status() + " " + a.body());
            assertNotEquals("v1", a.body(), "a stale read from the deposed leader; answers so far: " + answers);
            JsonNode s = c.status(old);
            return s != null && s.path("role").asText().equals("follower");
        });
        assertNotEquals(old, c.awaitLeader(), "the resumed member did not take the lead back");
        assertEquals("v2", c.get(c.awaitLeader(), "k", false).body());
    }

    @Test
    void membersOptionsAreCheckedBeforeAnythingStarts() {
        String peers = "n1=127.0.0.1:1,n2=127.0.0.1:2,n3=127.0.0.1:3";
        String dir = repl.dir().resolve("d").toString();
        usageError("and --peers do not go together", "node", "--role", "follower", "--port", "7001", "--peers", peers);
        usageError("give --role leader|follower (a fixed role), or --id and --peers", "node", "--port", "7001");
        usageError("--peers needs --id", "node", "--peers", peers, "--data-dir", dir);
        usageError("--peers needs --data-dir", "node", "--id", "n1", "--peers", peers);
        usageError("--peers: no member is this node's id n4", "node", "--id", "n4", "--peers", peers, "--data-dir", dir);
        usageError("an elected cluster needs at least three", "node", "--id", "n1", "--peers", "n1=127.0.0.1:1,n2=127.0.0.1:2",
                "--data-dir", dir);
        usageError("--port applies with --role only", "node", "--id", "n1", "--peers", peers, "--data-dir", dir, "--port", "1");
        usageError("--acks leader cannot be used with --peers", "node", "--id", "n1", "--peers", peers, "--data-dir", dir, "--acks", "leader");
        usageError("--election-timeout applies with --peers only", "node", "--role", "follower", "--port", "7001", "--election-timeout", "2s");
        usageError("under three heartbeat intervals", "node", "--id", "n1", "--peers", peers, "--data-dir", dir, "--election-timeout", "200ms");
    }

    private void usageError(String message, String... args) {
        ReplProcess p = repl.run(Duration.ofSeconds(30), args);
        assertEquals(64, p.exitCode(), String.join(" ", args) + ": " + p.stderr());
        assertTrue(p.stderr().contains(message), "expected '" + message + "' in: " + p.stderr());
    }
}
