package dev.repl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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

    private static String last(ReplProcess process) {
        var lines = process.stdoutLines();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
}
