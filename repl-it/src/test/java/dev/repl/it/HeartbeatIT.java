package dev.repl.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code repl heartbeat} against real follower and leader processes. */
class HeartbeatIT {

    private static final Duration START = Duration.ofSeconds(30);

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    private ReplProcess follower(String name, int port) {
        return repl.start("node", "--role", "follower", "--port", Integer.toString(port), "--name", name)
                .awaitLog(name + ": listening on 127.0.0.1:" + port, START);
    }

    private ReplProcess followerWithAdmin(int port, int adminPort) {
        return repl.start("node", "--role", "follower", "--port", Integer.toString(port), "--name", "follower-1",
                "--admin-port", Integer.toString(adminPort)).awaitLog("admin endpoint on", START);
    }

    private static String followers(int... ports) {
        StringBuilder list = new StringBuilder();
        for (int port : ports) {
            list.append(list.length() == 0 ? "" : ",").append("127.0.0.1:").append(port);
        }
        return list.toString();
    }

    @Test
    void leaderAndTwoFollowersAsSeparateProcessesAllRespond() {
        int p1 = ReplLauncher.freePort();
        int p2 = ReplLauncher.freePort();
        follower("follower-1", p1);
        follower("follower-2", p2);
        ReplProcess leader = repl.start("node", "--role", "leader", "--port", Integer.toString(ReplLauncher.freePort()),
                "--followers", followers(p1, p2));
        leader.awaitLog("follower-1 CONNECTING -> UP", START).awaitLog("follower-2 CONNECTING -> UP", START);

        ReplProcess check = repl.run(START, "heartbeat", "--followers", followers(p1, p2), "--timeout", "10s");
        assertEquals(0, check.exitCode(), check.stderr());
        assertEquals("heartbeat: 2/2 followers responded", last(check));
        assertTrue(leader.isAlive(), "the leader keeps running beside the check");
    }

    @Test
    void followerNeverStartedIsReportedAsRefusedWithThePartialCode() {
        int up = ReplLauncher.freePort();
        int never = ReplLauncher.freePort();
        follower("follower-1", up);
        ReplProcess check = repl.run(START, "heartbeat", "--followers", followers(up, never), "--timeout", "10s");
        assertEquals(1, check.exitCode(), check.stderr());
        assertTrue(check.stdout().contains("leader: follower-2 (127.0.0.1:" + never + ") did not respond: connection refused"), check.stdout());
        assertEquals("heartbeat: 1/2 followers responded", last(check));
    }

    @Test
    void followerKilledWithSigkillIsReportedWithThePartialCode() {
        int p1 = ReplLauncher.freePort();
        int p2 = ReplLauncher.freePort();
        follower("follower-1", p1);
        ReplProcess victim = follower("follower-2", p2);
        victim.kill();
        ReplProcess check = repl.run(START, "heartbeat", "--followers", followers(p1, p2), "--timeout", "10s");
        assertEquals(1, check.exitCode(), check.stderr());
        assertTrue(check.stdout().contains("leader: follower-2 (127.0.0.1:" + p2 + ") did not respond: connection refused"), check.stdout());
        assertEquals("heartbeat: 1/2 followers responded", last(check));
    }

    @Test
    void noFollowerRespondingGivesItsOwnCode() {
        ReplProcess check = repl.run(START, "heartbeat", "--followers", followers(ReplLauncher.freePort()));
        assertEquals(2, check.exitCode(), check.stderr());
        assertEquals("heartbeat: 0/1 followers responded", last(check));
    }

    /** A follower stopped with SIGSTOP accepts TCP and never answers; it must cost the other nothing, first or last. */
    @Test
    void frozenFollowerInEitherPositionLeavesTheHealthyOneJudgedAlone() {
        int frozenPort = ReplLauncher.freePort();
        int healthyPort = ReplLauncher.freePort();
        ReplProcess frozen = follower("frozen", frozenPort);
        follower("healthy", healthyPort);
        frozen.signal("STOP");
        try {
            for (boolean frozenFirst : new boolean[] {true, false}) {
                ReplProcess check = repl.run(START, "heartbeat", "--timeout", "3s", "--followers",
                        frozenFirst ? followers(frozenPort, healthyPort) : followers(healthyPort, frozenPort));
                String healthy = frozenFirst ? "follower-2" : "follower-1";
                String stuck = frozenFirst ? "follower-1" : "follower-2";
                assertEquals(1, check.exitCode(), check.stdout() + check.stderr());
                assertEquals(List.of(
                        "leader: connected to " + healthy + " on port " + healthyPort,
                        "leader: sent heartbeat to 1 follower",
                        "leader: " + stuck + " (127.0.0.1:" + frozenPort + ") did not respond: timed out: no answer to the hello within 3s",
                        "heartbeat: 1/2 followers responded"), check.stdoutLines());
            }
        } finally {
            frozen.signal("CONT");
        }
    }

    /** A cron'd check must not hide the real leader's death: a probe is answered, and never taken for the leader. */
    @Test
    void probeIsAnsweredButNeverTakenForTheLeader() {
        int port = ReplLauncher.freePort();
        int admin = ReplLauncher.freePort();
        ReplProcess follower = followerWithAdmin(port, admin);
        ReplProcess check = repl.run(START, "heartbeat", "--followers", followers(port), "--timeout", "10s");
        assertEquals(0, check.exitCode(), check.stdout());
        JsonNode leader = Json.parse(Cluster.get("127.0.0.1:" + admin, "/status")).get("leader");
        assertEquals("WAITING", leader.get("state").asText(), leader.toString());
        assertTrue(leader.get("name").isNull(), leader.toString());
        assertFalse(follower.stderr().contains("leader up"), follower.stderr());
    }

    /** Two leaders heartbeating one follower are told apart by name, logged, shown, and forgotten once one stops. */
    @Test
    void secondLeaderIsLoggedAndShownByTheFollower() {
        int port = ReplLauncher.freePort();
        int admin = ReplLauncher.freePort();
        ReplProcess follower = followerWithAdmin(port, admin);
        repl.start("node", "--role", "leader", "--name", "leader-a", "--port", Integer.toString(ReplLauncher.freePort()),
                "--followers", followers(port)).awaitLog("follower-1 CONNECTING -> UP", START);
        follower.awaitLog("leader up: first heartbeat from leader-a (127.0.0.1:", START);
        ReplProcess b = repl.start("node", "--role", "leader", "--name", "leader-b", "--port", Integer.toString(ReplLauncher.freePort()),
                "--followers", followers(port));
        follower.awaitLogMatching("WARN follower-1: two leaders: leader-a \\(127\\.0\\.0\\.1:\\d+, term 0\\) and leader-b \\(127\\.0\\.0\\.1:\\d+, term 0\\)", START);
        JsonNode leader = Json.parse(Cluster.get("127.0.0.1:" + admin, "/status")).get("leader");
        assertEquals("leader-a", leader.get("name").asText(), leader.toString());
        assertEquals("leader-b", leader.get("otherLeader").get("name").asText(), leader.toString());
        assertTrue(leader.get("warning").asText().startsWith("two leaders: leader-a"), leader.toString());

        b.stop();
        follower.awaitLogMatching("one leader again: leader-b \\(127\\.0\\.0\\.1:\\d+, term 0\\) silent for", START);
        await("the follower's status to forget the second leader").atMost(START)
                .until(() -> Json.parse(Cluster.get("127.0.0.1:" + admin, "/status")).get("leader").get("warning").isNull());
    }

    private static String last(ReplProcess process) {
        var lines = process.stdoutLines();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
}
