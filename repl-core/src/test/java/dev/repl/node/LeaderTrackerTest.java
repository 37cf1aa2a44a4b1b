package dev.repl.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.admin.NodeStatus;
import dev.repl.handshake.Identity;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A follower's view of its leader, on a synthetic clock: who counts as the leader, and what two of them look like. */
class LeaderTrackerTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final LeaderTracker tracker = new LeaderTracker("follower-1", Duration.ofSeconds(1));
    private final long t0 = System.nanoTime();
    private final EmbeddedChannel fromA = from("10.0.0.1", 40001);
    private final EmbeddedChannel fromB = from("10.0.0.2", 40002);
    private final Identity a = Identity.leader("leader-a", 0, 100);
    private final Identity b = Identity.leader("leader-b", 0, 100);

    private static EmbeddedChannel from(String host, int port) {
        return new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(host, port);
            }
        };
    }

    @AfterEach
    void close() {
        fromA.finishAndReleaseAll();
        fromB.finishAndReleaseAll();
    }

    /** Judges at {@code at}, after an on-time check one interval before (a late first check is a stall, and waits). */
    private void checkAt(long at) {
        tracker.check(at - tracker.checkIntervalNanos());
        tracker.check(at);
    }

    @Test
    void probeHeartbeatsNeverCountAsALeader() {
        tracker.heartbeatReceived(Identity.probe("leader"), fromA, t0);
        LeaderTracker.Status status = tracker.status();
        assertEquals(LeaderTracker.State.WAITING, status.state());
        assertNull(status.leader());
        assertEquals("no heartbeat from a leader yet", new NodeStatus("f", "follower", List.of(), status).problem());
    }

    @Test
    void leaderIsNamedWithItsAddressAndTerm() {
        tracker.heartbeatReceived(a, fromA, t0);
        LeaderTracker.Status status = tracker.status();
        assertEquals(LeaderTracker.State.UP, status.state());
        assertEquals("leader-a (10.0.0.1:40001, term 0)", status.leader().toString());
        assertEquals("first heartbeat from leader-a (10.0.0.1:40001, term 0)", status.lastEvent());
        assertTrue(status.healthy());
    }

    @Test
    void secondLeaderIsReportedUntilItFallsSilent() {
        tracker.heartbeatReceived(a, fromA, t0);
        tracker.heartbeatReceived(b, fromB, t0 + 10);
        LeaderTracker.Status two = tracker.status();
        assertEquals("two leaders: leader-a (10.0.0.1:40001, term 0) and leader-b (10.0.0.2:40002, term 0)", two.warning());
        assertEquals("leader-a", two.leader().name(), "of equal terms, the one followed first is kept");
        assertEquals("leader-b", two.otherLeader().name());
        assertFalse(two.healthy());

        for (long t = t0 + SECOND / 2; t < t0 + 3 * SECOND; t += SECOND / 2) {
            tracker.heartbeatReceived(a, fromA, t); // only leader-a goes on
        }
        checkAt(t0 + 3 * SECOND);
        LeaderTracker.Status one = tracker.status();
        assertNull(one.warning());
        assertNull(one.otherLeader());
        assertEquals(LeaderTracker.State.UP, one.state());
    }

    @Test
    void leaderOfANewerTermIsFollowed() {
        tracker.heartbeatReceived(a, fromA, t0);
        tracker.heartbeatReceived(Identity.leader("leader-b", 3, 100), fromB, t0 + 10);
        LeaderTracker.Status status = tracker.status();
        assertEquals("leader-b", status.leader().name());
        assertEquals("leader-a", status.otherLeader().name());
        assertEquals("two leaders: leader-b (10.0.0.2:40002, term 3) and leader-a (10.0.0.1:40001, term 0)", status.warning());
    }

    @Test
    void theOtherLeaderTakesOverWhenTheFollowedOneFallsSilent() {
        tracker.heartbeatReceived(a, fromA, t0);
        for (long t = t0; t < t0 + 3 * SECOND; t += SECOND / 2) {
            tracker.heartbeatReceived(b, fromB, t);
        }
        checkAt(t0 + 3 * SECOND);
        LeaderTracker.Status status = tracker.status();
        assertEquals(LeaderTracker.State.UP, status.state());
        assertEquals("leader-b", status.leader().name());
        assertNull(status.warning());
        assertTrue(status.lastEvent().startsWith("no heartbeat from leader-a (10.0.0.1:40001, term 0) for "), status.lastEvent());
    }

    @Test
    void sameLeaderOnANewConnectionOnceTheOldOneClosedIsStillOneLeader() {
        tracker.heartbeatReceived(a, fromA, t0);
        fromA.close();
        EmbeddedChannel again = from("10.0.0.1", 40099);
        tracker.heartbeatReceived(Identity.leader("leader-a", 0, 100), again, t0 + 10);
        LeaderTracker.Status status = tracker.status();
        assertNull(status.warning());
        assertEquals("leader-a (10.0.0.1:40099, term 0)", status.leader().toString());
        again.finishAndReleaseAll();
    }

    @Test
    void sameLeaderOnANewConnectionAfterTheOldOneFellSilentIsStillOneLeader() {
        tracker.heartbeatReceived(a, fromA, t0);
        EmbeddedChannel again = from("10.0.0.1", 40099);
        tracker.heartbeatReceived(Identity.leader("leader-a", 0, 100), again, t0 + SECOND / 2); // three intervals of silence: a partition healed
        assertNull(tracker.status().warning());
        assertEquals("10.0.0.1:40099", tracker.status().leader().address());
        again.finishAndReleaseAll();
    }

    /** Two processes with one name on one host are two leaders: names do not tell them apart, their heartbeats do. */
    @Test
    void twoLiveConnectionsOfTheSameNameAreTwoLeaders() {
        tracker.heartbeatReceived(a, fromA, t0);
        EmbeddedChannel twin = from("10.0.0.1", 40099);
        tracker.heartbeatReceived(Identity.leader("leader-a", 0, 100), twin, t0 + 10);
        assertEquals("two leaders: leader-a (10.0.0.1:40001, term 0) and leader-a (10.0.0.1:40099, term 0)", tracker.status().warning());
        twin.finishAndReleaseAll();
    }

    @Test
    void silentLeaderIsLostAndAnotherMayTakeItsPlace() {
        tracker.heartbeatReceived(a, fromA, t0);
        checkAt(t0 + 2 * SECOND);
        assertEquals(LeaderTracker.State.LOST, tracker.status().state());
        tracker.heartbeatReceived(b, fromB, t0 + 3 * SECOND);
        LeaderTracker.Status status = tracker.status();
        assertEquals(LeaderTracker.State.UP, status.state());
        assertEquals("leader-b", status.leader().name());
        assertNull(status.warning(), "a lost leader is not a second one");
    }
}
