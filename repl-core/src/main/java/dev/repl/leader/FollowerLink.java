package dev.repl.leader;

import dev.repl.config.Peer;
import dev.repl.transport.Backoff;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.Connector;
import dev.repl.transport.FailureReason;
import dev.repl.transport.Pipelines;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's lasting connection to one follower: connects (retrying with backoff), heartbeats
 * it at a fixed interval, and reconnects when the connection is lost. All state is confined to
 * one event loop, so nothing here locks.
 */
final class FollowerLink implements HeartbeatHandler.Listener {

    private static final Logger log = LoggerFactory.getLogger(FollowerLink.class);

    private final String leaderName;
    private final Peer follower;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final long intervalNanos;
    private final Backoff backoff;

    private Future<Channel> connecting;
    private Channel channel;
    private ScheduledFuture<?> heartbeats;
    private boolean acked;
    private boolean stopped;

    FollowerLink(String leaderName, Peer follower, EventLoop loop, Bootstrap bootstrap, Duration interval, Backoff backoff) {
        this.leaderName = leaderName;
        this.follower = follower;
        this.loop = loop;
        this.intervalNanos = interval.toNanos();
        this.backoff = backoff;
        ConnectionErrorHandler errors = new ConnectionErrorHandler(leaderName);
        this.bootstrap = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                Pipelines.connectingSide(ch.pipeline(), new HeartbeatHandler(FollowerLink.this), errors);
            }
        });
    }

    void start() {
        loop.execute(() -> connect(0));
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
        connecting = Connector.connect(bootstrap, loop, follower, backoff, delayNanos, Connector.NO_DEADLINE, this::attemptFailed);
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
        channel = ch;
        acked = false;
        backoff.reset();
        log.info("{}: connected to {}", leaderName, follower);
        HeartbeatHandler handler = ch.pipeline().get(HeartbeatHandler.class);
        heartbeats = loop.scheduleAtFixedRate(() -> handler.sendHeartbeat(ch.voidPromise()), 0, intervalNanos, TimeUnit.NANOSECONDS);
    }

    private void attemptFailed(Peer peer, int attempt, Throwable cause, long retryInNanos) {
        if (attempt == 1) {
            log.info("{}: cannot reach {}: {}; retrying", leaderName, peer, FailureReason.of(cause).text());
        } else {
            log.debug("{}: attempt {} to reach {} failed: {}; next in {} ms", leaderName, attempt, peer,
                    FailureReason.describe(cause), TimeUnit.NANOSECONDS.toMillis(retryInNanos));
        }
    }

    @Override
    public void ackReceived(int sequence, long rttNanos) {
        if (!acked) {
            acked = true;
            log.info("{}: first ack from {} (rtt {} us)", leaderName, follower, TimeUnit.NANOSECONDS.toMicros(rttNanos));
        }
    }

    @Override
    public void connectionClosed(Throwable cause) {
        heartbeats.cancel(false);
        channel = null;
        if (stopped) {
            return;
        }
        String reason = cause == null ? FailureReason.CLOSED.text() : FailureReason.describe(cause);
        log.warn("{}: lost connection to {}: {}; reconnecting", leaderName, follower, reason);
        connect(backoff.nextDelayNanos());
    }
}
