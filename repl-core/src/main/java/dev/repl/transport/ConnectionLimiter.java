package dev.repl.transport;

import dev.repl.config.Addresses;
import io.netty.channel.Channel;
import java.net.SocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the connections a node accepts. One over the cap is closed before it gets a pipeline,
 * so a flood costs a socket and a few bytes each, briefly. Refusals are reported in one line a
 * second at most, with their count, so a flood cannot flood the log either.
 */
public final class ConnectionLimiter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String nodeName;
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger refusedSinceReport = new AtomicInteger();
    private final AtomicBoolean reportScheduled = new AtomicBoolean();
    private volatile long lastReportNanos = System.nanoTime() - REPORT_EVERY_NANOS;
    private volatile SocketAddress latest;

    public ConnectionLimiter(String nodeName, int max) {
        this.nodeName = nodeName;
        this.max = max;
    }

    /** @return true if the connection may stay; otherwise it has been closed */
    public boolean admit(Channel channel) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            channel.close();
            refused(channel);
            return false;
        }
        channel.closeFuture().addListener(f -> open.decrementAndGet());
        return true;
    }

    public int open() {
        return open.get();
    }

    /** Counts the refusal, and makes sure one report covers it within a second. */
    private void refused(Channel channel) {
        refusedSinceReport.incrementAndGet();
        latest = channel.remoteAddress();
        if (reportScheduled.compareAndSet(false, true)) {
            long wait = Math.max(0, lastReportNanos + REPORT_EVERY_NANOS - System.nanoTime());
            try {
                channel.eventLoop().schedule(this::report, wait, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                reportScheduled.set(false);
            }
        }
    }

    private void report() {
        reportScheduled.set(false);
        lastReportNanos = System.nanoTime();
        int refused = refusedSinceReport.getAndSet(0);
        if (refused > 0) {
            log.warn("{}: refused {} connection(s): {} open is the limit (--max-connections); latest from {}", nodeName, refused, max,
                    Addresses.format(latest));
        }
    }
}
