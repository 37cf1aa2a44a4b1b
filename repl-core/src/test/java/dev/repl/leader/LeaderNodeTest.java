package dev.repl.leader;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.config.NodeAddress;
import dev.repl.config.ReplicationConfig;
import dev.repl.liveness.DetectorConfig;
import dev.repl.liveness.FollowerState;
import dev.repl.liveness.FollowerStatus;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.testing.Threads;
import dev.repl.transport.NodeStartException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
}
