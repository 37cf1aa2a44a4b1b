package dev.repl.leader;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.ConnectionOptions;
import dev.repl.api.DetectorConfig;
import dev.repl.api.FollowerState;
import dev.repl.api.NodeAddress;
import dev.repl.api.NodeStartException;
import dev.repl.config.ReplicationConfig;
import dev.repl.liveness.FollowerStatus;
import dev.repl.liveness.StateListener;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.testing.Threads;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.NameResolution;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeaderNodeTest {

    private static NodeServer counting(String name, int port, AtomicInteger acks) {
        return new NodeServer(name, NodeAddress.loopback(port), (channel, seq) -> acks.incrementAndGet());
    }

    @Test
    void leaderHeartbeatsEveryFollowerAndReconnectsAfterARestart() {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        NodeServer one = counting("ln-f1", 0, first);
        NodeServer two = counting("ln-f2", 0, second);
        int port1 = one.start().getPort();
        int port2 = two.start().getPort();
        ReplicationConfig config = ReplicationConfig.of(NodeAddress.loopback(0),
                List.of(NodeAddress.loopback(port1), NodeAddress.loopback(port2)));
        try (LeaderNode leader = new LeaderNode("ln-leader", config, DetectorConfig.withInterval(Duration.ofMillis(20)))) {
            leader.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> first.get() >= 3 && second.get() >= 3);

            one.close();
            AtomicInteger afterRestart = new AtomicInteger();
            try (NodeServer again = counting("ln-f1b", port1, afterRestart)) {
                again.start();
                await().atMost(Duration.ofSeconds(10)).until(() -> afterRestart.get() >= 3);
            }
        } finally {
            two.close();
        }
        Threads.assertNoneLeft("ln-");
    }

    @Test
    void leaderStartsWhileFollowersAreDownAndConnectsWhenTheyAppear() {
        AtomicInteger acks = new AtomicInteger();
        int port;
        try (NodeServer probe = counting("ln-probe", 0, acks)) {
            port = probe.start().getPort();
        }
        ReplicationConfig config = ReplicationConfig.of(NodeAddress.loopback(0), List.of(NodeAddress.loopback(port)));
        try (LeaderNode leader = new LeaderNode("ln-late", config, DetectorConfig.withInterval(Duration.ofMillis(20)));
             NodeServer late = counting("ln-latef", port, acks)) {
            leader.start();
            late.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> acks.get() >= 3);
        }
        Threads.assertNoneLeft("ln-late");
    }

    @Test
    void leaderWhosePortIsTakenFailsToStartAndLeavesNothingRunning() {
        try (NodeServer squatter = new NodeServer("ln-squat", NodeAddress.loopback(0), HeartbeatObserver.NONE)) {
            InetSocketAddress taken = squatter.start();
            ReplicationConfig config = ReplicationConfig.of(NodeAddress.loopback(taken.getPort()), List.of(NodeAddress.loopback(1)));
            LeaderNode leader = new LeaderNode("ln-taken", config, DetectorConfig.withInterval(Duration.ofMillis(20)));
            assertThrows(NodeStartException.class, leader::start);
            leader.close();
            Threads.assertNoneLeft("ln-taken");
        }
    }

    @Test
    void statusFollowsTheStateMachineThroughALossAndAReconnect() {
        List<String> transitions = new CopyOnWriteArrayList<>();
        NodeServer follower = new NodeServer("ln-sm-f", NodeAddress.loopback(0));
        int port = follower.start().getPort();
        ReplicationConfig config = ReplicationConfig.of(NodeAddress.loopback(0), List.of(NodeAddress.loopback(port)));
        try (LeaderNode leader = new LeaderNode("ln-sm", config, DetectorConfig.withInterval(Duration.ofMillis(20)),
                (peer, from, to, evidence, at) -> transitions.add(from + "->" + to))) {
            assertEquals(List.of(), leader.followers(), "no links before start");
            leader.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> leader.followers().get(0).state() == FollowerState.UP);
            assertEquals(List.of("CONNECTING->UP"), transitions);

            follower.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> leader.followers().get(0).state() == FollowerState.DOWN);
            try (NodeServer again = new NodeServer("ln-sm-g", NodeAddress.loopback(port))) {
                again.start();
                await().atMost(Duration.ofSeconds(10)).until(() -> leader.followers().get(0).state() == FollowerState.UP);
                FollowerStatus status = leader.followers().get(0);
                assertEquals(1, status.reconnects());
                assertTrue(status.rttSamples() > 0 && status.rttP50Us() > 0);
                assertEquals("follower-1", status.name());
                assertTrue(transitions.contains("UP->DOWN") || transitions.contains("SUSPECT->DOWN"), transitions.toString());
                assertEquals("DOWN->UP", transitions.get(transitions.size() - 1), transitions.toString());
            }
        }
    }

    @Test
    void followerWhoseNameResolvesSlowlyDelaysNoOtherFollower() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        NameResolution.Lookup slowDns = host -> {
            if (host.equals("slow.follower.test")) {
                try {
                    answer.await();
                } catch (InterruptedException e) {
                    throw new UnknownHostException(host + ": lookup abandoned");
                }
                return new InetAddress[] {InetAddress.getLoopbackAddress()};
            }
            return NameResolution.SYSTEM.lookup(host);
        };
        AtomicInteger slow = new AtomicInteger();
        AtomicInteger fast = new AtomicInteger();
        try (NodeServer slowFollower = counting("ln-dns-s", 0, slow); NodeServer fastFollower = counting("ln-dns-f", 0, fast)) {
            ReplicationConfig config = ReplicationConfig.of(NodeAddress.loopback(0), List.of(
                    new NodeAddress("slow.follower.test", slowFollower.start().getPort()), NodeAddress.loopback(fastFollower.start().getPort())));
            try (LeaderNode leader = new LeaderNode("ln-dns", config, DetectorConfig.withInterval(Duration.ofMillis(20)), ConnectionOptions.defaults(),
                    LinkSecurity.PLAINTEXT, StateListener.NONE, 0, slowDns)) {
                leader.start();
                // With the lookup on the leader's one event loop, no follower would get a heartbeat until it returned.
                await("heartbeats to the other follower while the name is still being looked up")
                        .atMost(Duration.ofSeconds(10)).until(() -> fast.get() >= 20);
                assertEquals(1, answer.getCount(), "the slow lookup has not returned");
                assertEquals(0, slow.get());
                answer.countDown();
                await("the slow follower once its name resolved").atMost(Duration.ofSeconds(10)).until(() -> slow.get() >= 3);
            }
        }
        Threads.assertNoneLeft("ln-dns");
    }

    @Test
    void listenerThatThrowsNeitherStopsTheLinkNorFloodsTheLog() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        NodeServer follower = new NodeServer("ln-throw-f", NodeAddress.loopback(0));
        int port = follower.start().getPort();
        ReplicationConfig config = ReplicationConfig.of(NodeAddress.loopback(0), List.of(NodeAddress.loopback(port)));
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (LeaderNode leader = new LeaderNode("ln-throw", config, DetectorConfig.withInterval(Duration.ofMillis(20)),
                (peer, from, to, evidence, at) -> {
                    throw new IllegalStateException("a bug in the listener");
                })) {
            leader.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> leader.followers().get(0).state() == FollowerState.UP);
            long samples = leader.followers().get(0).rttSamples();
            await("heartbeats go on").atMost(Duration.ofSeconds(10)).until(() -> leader.followers().get(0).rttSamples() > samples + 10);

            follower.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> leader.followers().get(0).state() == FollowerState.DOWN);
            try (NodeServer again = new NodeServer("ln-throw-g", NodeAddress.loopback(port))) {
                again.start();
                await("the link reconnects, judged as ever").atMost(Duration.ofSeconds(10))
                        .until(() -> leader.followers().get(0).state() == FollowerState.UP);
            }
        } finally {
            System.setErr(stderr);
            follower.close();
        }
        String text = log.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().filter(l -> l.contains("ln-throw: state listener for follower-1 failed")).count(),
                "the first failure is logged once, with the follower's name:\n" + text);
        assertTrue(text.contains("a bug in the listener"), text);
    }
}
