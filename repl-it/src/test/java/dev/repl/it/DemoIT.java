package dev.repl.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The reference scenario, as the README's first command runs it. Needs ports 7000-7002 free. */
class DemoIT {

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void demoPrintsTheSixLinesAndExitsZero() {
        ReplLauncher.requireFree(7000, 7001, 7002);
        ReplProcess demo = repl.run(Duration.ofSeconds(60), "demo");
        assertEquals(0, demo.exitCode(), demo.stderr());
        List<String> lines = demo.stdoutLines();
        assertEquals(6, lines.size(), String.join("\n", lines));
        assertEquals(List.of(
                "leader: connected to follower-1 on port 7001",
                "leader: connected to follower-2 on port 7002",
                "leader: sent heartbeat to 2 followers"), lines.subList(0, 3));
        // The two follower lines come from separate processes, in either order.
        assertEquals(Set.of(
                "follower-1: heartbeat received, ack sent",
                "follower-2: heartbeat received, ack sent"), Set.copyOf(lines.subList(3, 5)));
        assertEquals("heartbeat: 2/2 followers responded", lines.get(5));
        // A one-shot command logs warnings only, and so do the followers it starts.
        assertFalse(demo.stderr().contains(" INFO "), demo.stderr());
    }

    @Test
    void followerThatCannotStartIsNamedAndItsSiblingStillAnswers() throws Exception {
        ReplLauncher.requireFree(7000, 7002);
        try (ServerSocket squatter = new ServerSocket(7001, 1, InetAddress.getLoopbackAddress())) {
            ReplProcess demo = repl.run(Duration.ofSeconds(60), "demo");
            assertEquals(1, demo.exitCode(), demo.stdout() + demo.stderr());
            List<String> lines = demo.stdoutLines();
            assertTrue(lines.contains("follower-2: heartbeat received, ack sent"), lines.toString());
            assertTrue(lines.contains("leader: follower-1 (127.0.0.1:7001) did not respond: process exited: exit code 3"), lines.toString());
            assertEquals("heartbeat: 1/2 followers responded", lines.get(lines.size() - 1));
            assertTrue(demo.stderr().contains("repl: follower-1: cannot listen on 127.0.0.1:7001: address already in use"), demo.stderr());
        }
    }

    @Test
    void stoppingTheDemoMidRunReapsItsFollowerProcesses() {
        ReplLauncher.requireFree(7000, 7001, 7002);
        ReplProcess demo = repl.start("demo");
        List<ProcessHandle> followers = followersOf(demo);
        demo.stop(); // SIGTERM, as Ctrl-C's SIGINT would: the demo's shutdown hook stops them
        awaitGone(followers);
    }

    @Test
    void followersDoNotOutliveADemoKilledWithSigkill() {
        ReplLauncher.requireFree(7000, 7001, 7002);
        ReplProcess demo = repl.start("demo");
        List<ProcessHandle> followers = followersOf(demo);
        demo.kill(); // no hook runs: each follower notices its parent is gone and exits
        awaitGone(followers);
    }

    /** Waits until the demo has forked both followers, and returns them. */
    private static List<ProcessHandle> followersOf(ReplProcess demo) {
        List<ProcessHandle> followers = new ArrayList<>();
        await("the demo to start both followers").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    followers.clear();
                    ProcessHandle.of(demo.pid()).ifPresent(p -> p.children().forEach(followers::add));
                    return followers.size() == 2;
                });
        return followers;
    }

    /** Orphans are not this JVM's descendants any more, so the launcher's own check cannot see them. */
    private static void awaitGone(List<ProcessHandle> followers) {
        try {
            await("the followers to exit").atMost(Duration.ofSeconds(30))
                    .until(() -> followers.stream().noneMatch(ProcessHandle::isAlive));
        } finally {
            followers.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
