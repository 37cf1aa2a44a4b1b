package dev.repl.leader;

import dev.repl.api.Peer;
import dev.repl.api.client.FailureReason;
import dev.repl.api.client.FollowerOutcome.Stage;
import dev.repl.api.client.FollowerOutcome;
import dev.repl.api.client.HeartbeatReport;
import dev.repl.config.ReplicationConfig;
import dev.repl.handshake.Identity;
import dev.repl.protocol.FrameCodec;
import dev.repl.transport.Backoff;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.Connector;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.NameResolution;
import dev.repl.transport.Pipelines;
import dev.repl.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-shot check: probe every follower at once — connect, say hello as a probe, send one
 * heartbeat, wait for its ack — each against the same deadline and each judged alone, so a silent
 * follower costs the others nothing. Every follower ends with an outcome that says how far it
 * got; nothing waits past the deadline. {@link #run} blocks its caller (never an event loop) and
 * may be called once.
 */
public final class HeartbeatCheck implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HeartbeatCheck.class);

    /** How long the caller waits past the deadline for the event loop's own verdicts before giving them itself. */
    private static final long VERDICT_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Identity self;
    private final Duration timeout;
    private final boolean waitForListeners;
    private final LinkSecurity security;
    private final List<Probe> probes = new ArrayList<>();
    private final NameResolution names;
    private EventLoopGroup group;
    private boolean ran;

    /**
     * @param waitForListeners retry refused connections until the deadline, for followers that are
     *                         still starting; otherwise a refused connection is a final answer
     */
    public HeartbeatCheck(String name, List<Peer> followers, Duration timeout, boolean waitForListeners) {
        this(Identity.probe(name), followers, timeout, waitForListeners, LinkSecurity.PLAINTEXT);
    }

    /**
     * @param self     who this check says it is in its hellos: usually a probe, which a follower
     *                 answers and never takes for its leader
     * @param security the cluster to say hello as, and TLS when on
     */
    public HeartbeatCheck(Identity self, List<Peer> followers, Duration timeout, boolean waitForListeners, LinkSecurity security) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.self = Objects.requireNonNull(self, "self");
        this.timeout = timeout;
        this.waitForListeners = waitForListeners;
        this.security = security;
        for (Peer follower : ReplicationConfig.checkFollowers(followers, null)) {
            probes.add(new Probe(follower));
        }
        this.names = new NameResolution(self.name(), NameResolution.SYSTEM);
    }

    /** Probes every follower and returns when each has an outcome: at the deadline at the latest. */
    public HeartbeatReport run() {
        synchronized (this) {
            if (ran) {
                throw new IllegalStateException("a heartbeat check runs once");
            }
            ran = true;
            group = Transport.get().newGroup(1, self.name());
        }
        Bootstrap bootstrap = Transport.get().clientBootstrap(group, names);
        ConnectionErrorHandler errors = new ConnectionErrorHandler(self.name());
        warmUp(errors);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Probe probe : probes) {
            probe.start(bootstrap.clone().handler(probe.initializer(errors)), group.next(), deadline);
        }
        List<FollowerOutcome> outcomes = new ArrayList<>(probes.size());
        for (Probe probe : probes) {
            outcomes.add(probe.await(deadline + VERDICT_GRACE_NANOS));
        }
        return new HeartbeatReport(outcomes);
    }

    /**
     * The allocator, the event loop's thread and the link pipeline's classes all start lazily,
     * and slowly on a cold JVM (hundreds of ms on a busy machine): all are readied before the
     * clock starts, so that the timeout measures the followers, not this JVM's warm-up.
     */
    private void warmUp(ConnectionErrorHandler errors) {
        ByteBufAllocator.DEFAULT.ioBuffer(FrameCodec.FRAME_LENGTH).release();
        group.next().submit(() -> { }).syncUninterruptibly();
        EmbeddedChannel rehearsal = new EmbeddedChannel();
        Pipelines.connectingSide(rehearsal.pipeline(), security, self, new HeartbeatHandler(HeartbeatHandler.Listener.NONE), errors);
        rehearsal.finishAndReleaseAll();
    }

    /**
     * Gives up on one follower now, for example because its process has exited. Safe from any
     * thread; a follower that already has an outcome keeps it.
     *
     * @param why the whole failure as printed, for example {@code process exited: exit code 3}
     */
    public void abandon(Peer follower, String why) {
        for (Probe probe : probes) {
            if (probe.follower.equals(follower)) {
                probe.finish(FollowerOutcome.abandoned(follower, probe.stage, why));
            }
        }
    }

    /** Closes every connection and ends the event-loop thread, without a quiet period. */
    @Override
    public synchronized void close() {
        if (group == null || group.isShuttingDown()) {
            names.close();
            return;
        }
        probes.forEach(Probe::stop);
        Transport.shutdown(group);
        names.close();
    }

    private String timeoutText() {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + "s" : timeout.toMillis() + "ms";
    }

    /**
     * One follower's probe. It runs on its event loop from {@link #start} to its outcome; the
     * caller's thread only waits for the outcome, and gives it itself should the loop not.
     */
    private final class Probe implements HeartbeatHandler.Listener {
        final Peer follower;
        final CompletableFuture<FollowerOutcome> outcome = new CompletableFuture<>();
        volatile Stage stage = Stage.NOT_LINKED;
        volatile Future<Channel> connecting;
        volatile Channel channel;
        /** The latest connection attempt's channel, linked or not: tells a silent peer from an absent one. */
        volatile Channel attempt;

        Probe(Peer follower) {
            this.follower = follower;
        }

        ChannelInitializer<SocketChannel> initializer(ConnectionErrorHandler errors) {
            return new ChannelInitializer<>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    attempt = ch;
                    Pipelines.connectingSide(ch.pipeline(), security, self, new HeartbeatHandler(Probe.this), errors);
                }
            };
        }

        /** Connects with no timer of the connector's own: this probe's deadline is the one verdict on time. */
        void start(Bootstrap bootstrap, EventLoop loop, long deadline) {
            Backoff retries = waitForListeners ? new Backoff(Duration.ofMillis(10), Duration.ofMillis(50)) : null;
            Future<Channel> f = Connector.connect(bootstrap, loop, follower, retries, 0, deadline, Long.MAX_VALUE,
                    (peer, attempt, cause, retryIn) -> log.debug("{}: {} not listening yet ({}); attempt {}",
                            self.name(), peer, FailureReason.explain(cause), attempt));
            connecting = f;
            f.addListener(done -> {
                if (done.isSuccess()) {
                    linked(f.getNow());
                } else if (!done.isCancelled()) {
                    finish(FollowerOutcome.failed(follower, Stage.NOT_LINKED, done.cause()));
                }
            });
            loop.schedule(() -> finish(timedOut()), Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        private void linked(Channel ch) {
            channel = ch;
            if (outcome.isDone()) {
                ch.close(); // judged while the hello was on its way
                return;
            }
            stage = Stage.LINKED;
            ch.pipeline().get(HeartbeatHandler.class).sendHeartbeat(ch.newPromise().addListener((ChannelFutureListener) write -> {
                if (write.isSuccess()) {
                    if (stage == Stage.LINKED) {
                        stage = Stage.SENT;
                    }
                } else {
                    finish(FollowerOutcome.failed(follower, Stage.LINKED, write.cause()));
                }
            }));
        }

        /** Why this probe has no answer at the deadline, by how far it got. */
        private FollowerOutcome timedOut() {
            Stage at = stage;
            Channel tried = attempt;
            String step = switch (at) {
                case NOT_LINKED -> tried != null && tried.isActive() ? "no answer to the hello" : "not connected";
                case LINKED -> "heartbeat not sent";
                case SENT, RESPONDED -> "no ack";
            };
            return FollowerOutcome.failed(follower, at, FailureReason.TIMED_OUT, step + " within " + timeoutText());
        }

        FollowerOutcome await(long until) {
            try {
                return outcome.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                finish(timedOut()); // the event loop did not give its verdict in time: a stalled machine
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finish(FollowerOutcome.abandoned(follower, stage, FailureReason.OTHER.text() + ": interrupted"));
            } catch (ExecutionException e) {
                throw new IllegalStateException(e); // outcomes are only ever completed normally
            }
            return outcome.join();
        }

        void finish(FollowerOutcome result) {
            if (outcome.complete(result) && !result.responded()) {
                stop();
            }
        }

        /** Stops connecting, and closes what this probe opened. Safe from any thread, more than once. */
        void stop() {
            Future<Channel> f = connecting;
            if (f != null) {
                f.cancel(false);
            }
            for (Channel ch : new Channel[] {attempt, channel}) {
                if (ch != null) {
                    ch.close();
                }
            }
        }

        @Override
        public void ackReceived(int sequence, long rttNanos, long atNanos) {
            stage = Stage.RESPONDED;
            finish(FollowerOutcome.responded(follower, rttNanos));
        }

        @Override
        public void connectionClosed(Throwable cause) {
            Stage at = stage;
            finish(cause == null ? FollowerOutcome.failed(follower, at, FailureReason.CLOSED, null) : FollowerOutcome.failed(follower, at, cause));
        }
    }
}
