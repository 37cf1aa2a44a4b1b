package dev.repl.transport;

import dev.repl.api.Peer;
import dev.repl.handshake.ConnectingHandshake;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.TimeUnit;

/**
 * Connects to a peer, retrying failed attempts with backoff until a deadline. An attempt
 * succeeds when the connection is up and, where the pipeline has one, its handshake (TLS and
 * hello) is done. The waits are scheduled on the bootstrap's event loop; nothing sleeps.
 * Cancelling the returned future stops the retries.
 */
public final class Connector {

    /** No deadline: keep trying until cancelled. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    /** An attempt longer than this is abandoned and retried, so one lost SYN cannot stall a link. */
    public static final long MAX_ATTEMPT_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Told about each failed attempt, before the next one is scheduled. */
    @FunctionalInterface
    public interface AttemptListener {
        void attemptFailed(Peer peer, int attempt, Throwable cause, long retryInNanos);
    }

    private final Bootstrap bootstrap;
    private final EventLoop loop;
    private final Peer peer;
    private final Backoff backoff;
    private final long deadlineNanos;
    private final long maxAttemptNanos;
    private final AttemptListener listener;
    private final Promise<Channel> result;
    private int attempts;

    private Connector(Bootstrap bootstrap, EventLoop loop, Peer peer, Backoff backoff, long deadlineNanos, long maxAttemptNanos,
                      AttemptListener listener) {
        this.bootstrap = bootstrap.clone(loop);
        this.loop = loop;
        this.peer = peer;
        this.backoff = backoff;
        this.deadlineNanos = deadlineNanos;
        this.maxAttemptNanos = maxAttemptNanos;
        this.listener = listener;
        this.result = loop.newPromise();
    }

    /**
     * Starts connecting on {@code loop} after {@code delayNanos}.
     *
     * @param backoff the delays between attempts, or null for a single attempt
     * @param deadlineNanos a {@link System#nanoTime()} after which no attempt is started, or {@link #NO_DEADLINE}
     * @param maxAttemptNanos how long one attempt, connect and hello, may take before it fails as
     *                        timed out: {@link #MAX_ATTEMPT_NANOS} for a lasting link; a caller with
     *                        a timer of its own may give {@code Long.MAX_VALUE} and cancel instead
     */
    public static Future<Channel> connect(Bootstrap bootstrap, EventLoop loop, Peer peer, Backoff backoff,
                                          long delayNanos, long deadlineNanos, long maxAttemptNanos, AttemptListener listener) {
        Connector connector = new Connector(bootstrap, loop, peer, backoff, deadlineNanos, maxAttemptNanos, listener);
        if (delayNanos > 0) {
            loop.schedule(connector::attempt, delayNanos, TimeUnit.NANOSECONDS);
        } else {
            loop.execute(connector::attempt);
        }
        return connector.result;
    }

    private void attempt() {
        if (result.isDone()) {
            return;
        }
        attempts++;
        // 0: no timeout of the connect's own; the caller keeps time.
        bootstrap.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, maxAttemptNanos == Long.MAX_VALUE ? 0
                : (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(attemptTimeoutNanos())));
        bootstrap.connect(peer.address().toSocketAddress()).addListener(this::attemptDone);
    }

    private void attemptDone(Future<? super Void> future) {
        Channel channel = ((ChannelFuture) future).channel();
        if (!future.isSuccess()) {
            attemptFailed(future.cause());
            return;
        }
        Future<Channel> handshake = ConnectingHandshake.ready(channel, maxAttemptNanos == Long.MAX_VALUE ? Long.MAX_VALUE : attemptTimeoutNanos());
        if (handshake == null) {
            linked(channel);
            return;
        }
        handshake.addListener(f -> {
            if (f.isSuccess()) {
                linked(channel);
            } else {
                channel.close();
                attemptFailed(f.cause());
            }
        });
    }

    private void linked(Channel channel) {
        if (!result.trySuccess(channel)) {
            channel.close(); // cancelled while the attempt was in flight
        }
    }

    private void attemptFailed(Throwable cause) {
        long delay = backoff == null ? -1 : backoff.nextDelayNanos();
        if (result.isDone() || delay < 0 || delay >= remainingNanos()) {
            result.tryFailure(cause);
            return;
        }
        listener.attemptFailed(peer, attempts, cause, delay);
        loop.schedule(this::attempt, delay, TimeUnit.NANOSECONDS);
    }

    private long attemptTimeoutNanos() {
        return Math.min(maxAttemptNanos, remainingNanos());
    }

    private long remainingNanos() {
        return deadlineNanos == NO_DEADLINE ? Long.MAX_VALUE : deadlineNanos - System.nanoTime();
    }
}
