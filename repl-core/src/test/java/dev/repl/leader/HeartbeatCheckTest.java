package dev.repl.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.api.client.FailureReason;
import dev.repl.api.client.FollowerOutcome.Stage;
import dev.repl.api.client.FollowerOutcome;
import dev.repl.api.client.HeartbeatReport;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.testing.Threads;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatCheckTest {

    private static Peer follower(int index, int port) {
        return new Peer("follower-" + index, NodeAddress.loopback(port));
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static HeartbeatReport check(String name, List<Peer> followers, Duration timeout) {
        try (HeartbeatCheck check = new HeartbeatCheck(name, followers, timeout, false)) {
            return check.run();
        } finally {
            Threads.assertNoneLeft(name);
        }
    }

    /** A listening socket nobody reads, as a frozen process's: the kernel accepts the connection, no answer ever comes. */
    private static ServerSocket frozen() throws Exception {
        return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @Test
    void allFollowersAnswer() {
        try (NodeServer one = new NodeServer("hc-f1", NodeAddress.loopback(0), HeartbeatObserver.NONE);
             NodeServer two = new NodeServer("hc-f2", NodeAddress.loopback(0), HeartbeatObserver.NONE)) {
            List<Peer> followers = List.of(follower(1, one.start().getPort()), follower(2, two.start().getPort()));
            HeartbeatReport report = check("hc-all", followers, Duration.ofSeconds(5));
            assertEquals(2, report.responded());
            assertEquals(2, report.linked());
            assertEquals(2, report.sent());
            assertTrue(report.outcomes().get(0).rttNanos() > 0);
        }
    }

    @Test
    void refusedFollowerIsNamedWithItsReasonAtOnce() throws Exception {
        try (NodeServer one = new NodeServer("hc-r1", NodeAddress.loopback(0), HeartbeatObserver.NONE)) {
            List<Peer> followers = List.of(follower(1, one.start().getPort()), follower(2, freePort()));
            long started = System.nanoTime();
            HeartbeatReport report = check("hc-refused", followers, Duration.ofSeconds(30));
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(30).toNanos(), "a refusal is an answer: no waiting for the timeout");
            assertEquals(1, report.responded());
            FollowerOutcome missing = report.outcomes().get(1);
            assertEquals(Stage.NOT_LINKED, missing.stage());
            assertEquals(FailureReason.CONNECTION_REFUSED, missing.reason());
            assertEquals("connection refused", missing.failure());
            assertEquals(1, report.sent());
        }
    }

    @Test
    void silentFollowerTimesOutAtTheHello() throws Exception {
        try (ServerSocket silent = frozen()) {
            HeartbeatReport report = check("hc-silent", List.of(follower(1, silent.getLocalPort())), Duration.ofSeconds(2));
            FollowerOutcome outcome = report.outcomes().get(0);
            assertEquals(FailureReason.TIMED_OUT, outcome.reason());
            assertEquals("timed out: no answer to the hello within 2s", outcome.failure());
            assertEquals(0, report.sent());
        }
    }

    /** One silent follower must cost the others nothing, wherever it stands in the list. */
    @Test
    void frozenFollowerFirstOrLastLeavesTheHealthyOneJudgedAlone() throws Exception {
        try (ServerSocket silent = frozen(); NodeServer healthy = new NodeServer("hc-h", NodeAddress.loopback(0), HeartbeatObserver.NONE)) {
            int healthyPort = healthy.start().getPort();
            for (boolean frozenFirst : new boolean[] {true, false}) {
                Peer stuck = new Peer("frozen", NodeAddress.loopback(silent.getLocalPort()));
                Peer fine = new Peer("healthy", NodeAddress.loopback(healthyPort));
                List<Peer> order = frozenFirst ? List.of(stuck, fine) : List.of(fine, stuck);
                HeartbeatReport report = check("hc-frozen", order, Duration.ofSeconds(2));
                String what = frozenFirst ? "frozen first" : "frozen last";
                assertEquals(1, report.responded(), what);
                assertEquals(1, report.linked(), what + ": connected to the healthy one only");
                assertEquals(1, report.sent(), what + ": sent heartbeat to 1 follower, the healthy one");
                FollowerOutcome ofFrozen = report.outcomes().get(frozenFirst ? 0 : 1);
                FollowerOutcome ofHealthy = report.outcomes().get(frozenFirst ? 1 : 0);
                assertTrue(ofHealthy.responded(), what + ": " + ofHealthy);
                assertEquals("timed out: no answer to the hello within 2s", ofFrozen.failure(), what);
            }
        }
    }

    @Test
    void garbageAnswerIsAProtocolError() throws Exception {
        try (ServerSocket liar = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread answer = new Thread(() -> {
                try (Socket s = liar.accept()) {
                    s.getInputStream().readNBytes(4);
                    OutputStream out = s.getOutputStream();
                    out.write(new byte[] {'H', 'T', 'T', 'P'});
                    out.flush();
                    s.getInputStream().read(); // until the leader closes
                } catch (Exception ignored) {
                    // the test asserts on the leader's side
                }
            });
            answer.start();
            HeartbeatReport report = check("hc-garbage", List.of(follower(1, liar.getLocalPort())), Duration.ofSeconds(5));
            answer.join(5_000);
            FollowerOutcome outcome = report.outcomes().get(0);
            assertEquals(FailureReason.PROTOCOL_ERROR, outcome.reason());
            assertEquals("protocol error: expected an answer to hello 4a 03 a2 19, got HEARTBEAT frame 48 54 54 50", outcome.failure());
            assertFalse(outcome.linked());
        }
    }

    @Test
    void abandonedFollowerKeepsTheReasonItWasGivenUpFor() throws Exception {
        try (ServerSocket silent = frozen()) {
            Peer peer = follower(1, silent.getLocalPort());
            try (HeartbeatCheck check = new HeartbeatCheck("hc-abandon", List.of(peer), Duration.ofSeconds(30), false)) {
                Thread giveUp = new Thread(() -> check.abandon(peer, "process exited: exit code 3"));
                giveUp.start();
                HeartbeatReport report = check.run();
                giveUp.join();
                assertEquals("process exited: exit code 3", report.outcomes().get(0).failure());
            }
            Threads.assertNoneLeft("hc-abandon");
        }
    }
}
