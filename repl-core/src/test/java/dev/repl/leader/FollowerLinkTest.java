package dev.repl.leader;

import static org.awaitility.Awaitility.await;

import dev.repl.api.FollowerState;
import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.handshake.Identity;
import dev.repl.liveness.FailureDetector;
import dev.repl.liveness.FollowerHealth;
import dev.repl.liveness.StateListener;
import dev.repl.node.NodeServer;
import dev.repl.testing.Threads;
import dev.repl.transport.Backoff;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.NameResolution;
import dev.repl.transport.Transport;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FollowerLinkTest {

    /** A detector with a bug: its first verdicts throw. */
    private static final class Broken implements FailureDetector {
        private final AtomicInteger failuresLeft = new AtomicInteger(5);

        @Override
        public void ackReceived(long nowNanos) {
        }

        @Override
        public FollowerState judge(long nowNanos) {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("a bug in the detector");
            }
            return FollowerState.UP;
        }

        @Override
        public void reset(long nowNanos) {
        }

        @Override
        public String suspicion(long nowNanos) {
            return "none";
        }
    }

    /**
     * The tick judges before it heartbeats: unguarded, its first exception would have ended the
     * periodic task, and with it every heartbeat of the link, for good and without a word.
     */
    @Test
    void tickThatThrowsKeepsHeartbeating() {
        AtomicInteger heartbeats = new AtomicInteger();
        EventLoopGroup group = Transport.get().newGroup(1, "fl-links");
        try (NodeServer follower = new NodeServer("fl-follower", NodeAddress.loopback(0), (channel, seq) -> heartbeats.incrementAndGet());
             NameResolution names = new NameResolution("fl", NameResolution.SYSTEM)) {
            Peer peer = new Peer("follower-1", NodeAddress.loopback(follower.start().getPort()));
            FollowerLink link = new FollowerLink(Identity.leader("fl-leader", 0, 10), peer, group.next(),
                    Transport.get().clientBootstrap(group, names), LinkSecurity.PLAINTEXT, TimeUnit.MILLISECONDS.toNanos(10),
                    new Backoff(Duration.ofMillis(10), Duration.ofMillis(100)), new FollowerHealth("fl-leader", peer, new Broken(), StateListener.NONE));
            link.start();
            await("heartbeats once the detector's failures are over").atMost(Duration.ofSeconds(10)).until(() -> heartbeats.get() >= 10);
            link.stop();
        } finally {
            Transport.shutdown(group);
        }
        Threads.assertNoneLeft("fl-");
    }
}
