package dev.repl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Nodes run until a signal and then shut down cleanly; the leader sees the close at once and reconnects. */
class NodeLifecycleIT {

    private static final Duration START = Duration.ofSeconds(30);

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void sigtermStopsAFollowerCleanlyAndItsLeaderNoticesAndReconnects() {
        int port = ReplLauncher.freePort();
        String followers = "127.0.0.1:" + port;
        ReplProcess follower = repl.start("node", "--role", "follower", "--port", Integer.toString(port), "--name", "follower-1")
                .awaitLog("listening on", START);
        ReplProcess leader = repl.start("node", "--role", "leader", "--port", Integer.toString(ReplLauncher.freePort()),
                "--followers", followers, "--heartbeat-interval", "20ms").awaitLog("follower-1 CONNECTING -> UP", START);

        follower.stop(); // SIGTERM
        assertEquals(143, follower.exitCode(), "the exit status of a process ended by SIGTERM");
        assertTrue(follower.stderr().contains("follower-1: stopped"), follower.stderr());
        // A clean close, or a reset when a heartbeat was still unread in the follower's socket.
        leader.awaitLogMatching("follower-1 (UP|SUSPECT) -> DOWN: connection (closed by peer|reset)", START);

        repl.start("node", "--role", "follower", "--port", Integer.toString(port), "--name", "follower-1").awaitLog("listening on", START);
        leader.awaitLog("follower-1 DOWN -> UP", START);
    }
}
