package dev.repl.testing;

import dev.repl.handshake.AcceptingHandshake;
import dev.repl.handshake.ClusterId;
import dev.repl.handshake.Identity;
import dev.repl.leader.HeartbeatHandler;
import dev.repl.node.AckHandler;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;

/** The real pipelines on {@link EmbeddedChannel}s, as a node builds them, for tests without sockets. */
public final class Channels {

    /** The leader identity whose hello is {@link Wire#LEADER_HELLO}. */
    public static final Identity LEADER = Identity.leader("leader", 0, 100);

    private Channels() {
    }

    /** A follower's accepted connection with a 10 s idle timeout, in {@code cluster}. */
    public static EmbeddedChannel accepting(ClusterId cluster, LeaderTracker tracker, HeartbeatObserver observer) {
        return accepting(new EmbeddedChannel(), cluster, tracker, observer);
    }

    /** The same pipeline on a channel of the caller's, such as a {@link PeerThatDoesNotRead}. */
    public static <C extends EmbeddedChannel> C accepting(C ch, ClusterId cluster, LeaderTracker tracker, HeartbeatObserver observer) {
        Pipelines.acceptingSide(ch.pipeline(), null, Duration.ofSeconds(10),
                new AcceptingHandshake("test", cluster, AcceptingHandshake.Listener.NONE),
                new AckHandler(tracker, observer), new ConnectionErrorHandler("test"));
        return ch;
    }

    public static EmbeddedChannel accepting(LeaderTracker tracker) {
        return accepting(ClusterId.DEFAULT, tracker, HeartbeatObserver.NONE);
    }

    /** A link's connecting side, before its hello is sent out. */
    public static EmbeddedChannel connecting(ClusterId cluster, Identity self, HeartbeatHandler handler) {
        EmbeddedChannel ch = new EmbeddedChannel();
        Pipelines.connectingSide(ch.pipeline(), new LinkSecurity(cluster, null), self, handler, new ConnectionErrorHandler("test"));
        return ch;
    }

    public static EmbeddedChannel connecting(HeartbeatHandler handler) {
        return connecting(ClusterId.DEFAULT, LEADER, handler);
    }
}
