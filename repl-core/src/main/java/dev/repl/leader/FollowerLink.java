package dev.repl.leader;

import dev.repl.api.Peer;
import dev.repl.api.client.FailureReason;
import dev.repl.failure.RepeatedFailure;
import dev.repl.handshake.Identity;
import dev.repl.liveness.FollowerHealth;
import dev.repl.liveness.FollowerStatus;
import dev.repl.transport.Backoff;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.Connector;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's lasting connection to one follower. Each heartbeat tick it asks the failure
 * detector first, then sends the next heartbeat; a follower judged DOWN, or whose connection
 * closes, is reconnected with backoff. All state is confined to one event loop.
 */
final class FollowerLink implements HeartbeatHandler.Listener {

    private static final Logger log = LoggerFactory.getLogger(FollowerLink.class);

    private final String leaderName;
    private final Peer follower;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final long intervalNanos;
    private final Backoff backoff;
    private final FollowerHealth health;
    /** {@link #tick}, surviving its own failures: a tick that threw would otherwise never run again. */
    private final Runnable tick;

    private Future<Channel> connecting;
    private Channel channel;
    private HeartbeatHandler handler;
    private ScheduledFuture<?> ticks;
    private long lastTickNanos;
    private long judgeNotBeforeNanos;
    private int failedAttempts;
    private boolean stopped;

    /** @param self the leader's identity, said in every hello */
    FollowerLink(Identity self, Peer follower, EventLoop loop, Bootstrap bootstrap, LinkSecurity security, long intervalNanos,
                 Backoff backoff, FollowerHealth health) {
        String leaderName = self.name();
        this.leaderName = leaderName;
        this.follower = follower;
        this.loop = loop;
        this.intervalNanos = intervalNanos;
        this.backoff = backoff;
        this.health = health;
        this.tick = RepeatedFailure.guard(log, leaderName + ": heartbeat tick for " + follower.name(), this::tick);
        ConnectionErrorHandler errors = new ConnectionErrorHandler(leaderName);
        this.bootstrap = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                Pipelines.connectingSide(ch.pipeline(), security, self, new HeartbeatHandler(FollowerLink.this), errors);
            }
        });
    }

    void start() {
        loop.execute(() -> connect(0));
    }

    FollowerStatus status() {
        return health.status();
    }

    FollowerHealth health() {
        return health;
    }

    /** Stops heartbeating and reconnecting, and closes the connection. Waits a bounded time. */
    void stop() {
        loop.submit(() -> {
            stopped = true;
            if (connecting != null) {
                connecting.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
        }).awaitUninterruptibly(1_000);
    }

    private void connect(long delayNanos) {
        if (stopped) {
            return;
        }
        connecting = Connector.connect(bootstrap, loop, follower, backoff, delayNanos, Connector.NO_DEADLINE, Connector.MAX_ATTEMPT_NANOS,
                this::attemptFailed);
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                connected(connecting.getNow());
            }
        });
    }

    private void connected(Channel ch) {
        if (stopped) {
            ch.close();
            return;
        }
        health.connectAttempted();
        channel = ch;
        handler = ch.pipeline().get(HeartbeatHandler.class);
        failedAttempts = 0;
        backoff.reset();
        lastTickNanos = System.nanoTime();
        judgeNotBeforeNanos = lastTickNanos;
        health.connected(lastTickNanos);
        log.atInfo().addKeyValue("event", "connected").addKeyValue("follower", follower.name())
                .addKeyValue("address", follower.address().toString()).log("{}: connected to {}", leaderName, follower);
        ticks = loop.scheduleAtFixedRate(tick, 0, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * One heartbeat interval: judge first, so a DOWN follower is not sent another heartbeat.
     * A tick more than an interval late means this leader was stalled (GC, CPU starvation, a
     * paused VM), and the follower may be just as stalled: the acks it owes are not yet sent,
     * not lost. So after a stall the verdict waits one on-time interval; the silence clock keeps
     * running, so a real failure is declared at most one interval later. The ticks a stall
     * delayed run back to back; only on-time ones count a missed ack.
     */
    private void tick() {
        long now = System.nanoTime();
        long sinceLastTick = now - lastTickNanos;
        lastTickNanos = now;
        if (sinceLastTick - intervalNanos > intervalNanos) {
            log.debug("{}: heartbeat tick for {} came {} ms late; judging again after one interval",
                    leaderName, follower.name(), TimeUnit.NANOSECONDS.toMillis(sinceLastTick - intervalNanos));
            judgeNotBeforeNanos = now + intervalNanos;
        }
        if (now - judgeNotBeforeNanos >= 0 && health.tick(now)) {
            channel.close(); // reconnect: the follower may come back on a fresh connection
            return;
        }
        if (handler.awaitingAck() && sinceLastTick > intervalNanos / 2) {
            health.heartbeatMissed();
        }
        if (channel.isWritable()) { // a frozen peer stops reading; do not queue heartbeats without bound
            handler.sendHeartbeat(channel.voidPromise());
        }
    }

    private void attemptFailed(Peer peer, int attempt, Throwable cause, long retryInNanos) {
        health.connectAttempted();
        failedAttempts++;
        String outcome = FailureReason.explain(cause);
        long retryMs = TimeUnit.NANOSECONDS.toMillis(retryInNanos);
        // Every attempt is counted in the status; the log shows the first few and then every tenth.
        if (failedAttempts <= 3 || failedAttempts % 10 == 0) {
            log.atInfo().addKeyValue("event", "connect-failed").addKeyValue("follower", follower.name()).addKeyValue("attempt", failedAttempts)
                    .addKeyValue("reason", outcome).addKeyValue("retryMs", retryMs)
                    .log("{}: connect attempt {} to {}: {}; next in {} ms", leaderName, failedAttempts, peer, outcome, retryMs);
        } else {
            log.debug("{}: connect attempt {} to {}: {}; next in {} ms", leaderName, failedAttempts, peer, outcome, retryMs);
        }
    }

    @Override
    public void ackReceived(int sequence, long rttNanos, long atNanos) {
        health.ackReceived(atNanos, rttNanos);
    }

    @Override
    public void connectionClosed(Throwable cause) {
        if (ticks != null) {
            ticks.cancel(false);
        }
        channel = null;
        handler = null;
        if (stopped) {
            return;
        }
        health.connectionLost(System.nanoTime(), cause == null ? FailureReason.CLOSED.text() : FailureReason.explain(cause));
        connect(backoff.nextDelayNanos());
    }
}
