package dev.repl.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.config.NodeAddress;
import dev.repl.config.Peer;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.testing.Threads;
import dev.repl.transport.FailureReason;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
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

    private static HeartbeatReport check(String name, List<Peer> followers, Duration timeout, List<String> events) {
        try (HeartbeatCheck check = new HeartbeatCheck(name, followers, timeout, false)) {
            return check.run(new HeartbeatCheck.Progress() {
                @Override
                public void connected(Peer follower) {
                    events.add("connected " + follower.name());
                }

                @Override
                public void sent(int followers) {
                    events.add("sent " + followers);
                }
            });
        } finally {
            Threads.assertNoneLeft(name);
        }
    }

    @Test
    void allFollowersAnswer() {
        try (NodeServer one = new NodeServer("hc-f1", NodeAddress.loopback(0), HeartbeatObserver.NONE);
             NodeServer two = new NodeServer("hc-f2", NodeAddress.loopback(0), HeartbeatObserver.NONE)) {
            List<Peer> followers = List.of(follower(1, one.start().getPort()), follower(2, two.start().getPort()));
            List<String> events = new ArrayList<>();
            HeartbeatReport report = check("hc-all", followers, Duration.ofSeconds(5), events);
            assertEquals(2, report.responded());
            assertEquals(List.of("connected follower-1", "connected follower-2", "sent 2"), events);
            assertTrue(report.outcomes().get(0).rttNanos() > 0);
        }
    }

    @Test
    void refusedFollowerIsNamedWithItsReasonAtOnce() throws Exception {
        try (NodeServer one = new NodeServer("hc-r1", NodeAddress.loopback(0), HeartbeatObserver.NONE)) {
            List<Peer> followers = List.of(follower(1, one.start().getPort()), follower(2, freePort()));
            List<String> events = new ArrayList<>();
            HeartbeatReport report = check("hc-refused", followers, Duration.ofSeconds(30), events);
            assertEquals(1, report.responded());
            FollowerOutcome missing = report.outcomes().get(1);
            assertFalse(missing.responded());
            assertEquals(FailureReason.CONNECTION_REFUSED, missing.reason());
            assertEquals("connection refused", missing.failure());
            assertEquals(List.of("connected follower-1", "sent 1"), events);
        }
    }

    @Test
    void silentFollowerTimesOut() throws Exception {
        // A listening socket nobody reads: the kernel accepts the connection, no ack ever comes.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HeartbeatReport report = check("hc-silent", List.of(follower(1, silent.getLocalPort())), Duration.ofSeconds(1), new ArrayList<>());
            FollowerOutcome outcome = report.outcomes().get(0);
            assertEquals(FailureReason.TIMED_OUT, outcome.reason());
            // Which step it was still at when the second ran out depends on the machine's speed:
            // usually the hello, on a stalled machine the connect itself.
            assertTrue(outcome.failure().equals("timed out: no answer to the hello within 1s")
                    || outcome.failure().equals("timed out: not connected within 1s"), outcome.failure());
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
            HeartbeatReport report = check("hc-garbage", List.of(follower(1, liar.getLocalPort())), Duration.ofSeconds(5), new ArrayList<>());
            answer.join(5_000);
            FollowerOutcome outcome = report.outcomes().get(0);
            assertEquals(FailureReason.PROTOCOL_ERROR, outcome.reason());
            assertEquals("protocol error: expected an answer to hello 4a 01 a2 19, got HEARTBEAT frame 48 54 54 50", outcome.failure());
        }
    }
}
