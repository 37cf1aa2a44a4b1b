package dev.repl.transport;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetSocketAddressResolver;
import io.netty.resolver.SimpleNameResolver;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Resolves host names on threads of its own, never on an event loop. The JDK's resolver blocks,
 * for seconds when a DNS server is slow, and one event loop serves every follower of a leader:
 * a lookup there would delay every heartbeat. The answer comes back to the loop that asked.
 * IP literals need no lookup and never reach here ({@code NodeAddress.toSocketAddress}).
 * Set on a bootstrap with {@code resolver(...)}; {@link #close} ends its threads.
 */
public final class NameResolution extends AddressResolverGroup<InetSocketAddress> {

    /** Looks a host name up; may block. */
    @FunctionalInterface
    public interface Lookup {
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    /** The JDK's resolver: {@code /etc/hosts}, then DNS, as the operating system is configured. */
    public static final Lookup SYSTEM = InetAddress::getAllByName;

    /** Lookups at once: a few slow names cannot hold up the rest. */
    private static final int THREADS = 4;

    private final Lookup lookup;
    private final ThreadPoolExecutor threads;

    /** @param owner names the threads: {@code <owner>-resolver-<n>-<m>} */
    public NameResolution(String owner, Lookup lookup) {
        this.lookup = lookup;
        this.threads = new ThreadPoolExecutor(THREADS, THREADS, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(owner + "-resolver", true));
        this.threads.allowCoreThreadTimeOut(true);
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor loop) {
        return new InetSocketAddressResolver(loop, new SimpleNameResolver<InetAddress>(loop) {
            @Override
            protected void doResolve(String host, Promise<InetAddress> promise) {
                offLoop(promise, () -> lookup.lookup(host)[0]);
            }

            @Override
            protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
                offLoop(promise, () -> Arrays.asList(lookup.lookup(host)));
            }
        });
    }

    private interface Answer<T> {
        T get() throws UnknownHostException;
    }

    /** One lookup, queued for a lookup thread; its promise completes on the event loop that asked. */
    private static final class Task<T> implements Runnable {
        final Promise<T> promise;
        final Answer<T> answer;

        Task(Promise<T> promise, Answer<T> answer) {
            this.promise = promise;
            this.answer = answer;
        }

        @Override
        public void run() {
            try {
                promise.trySuccess(answer.get());
            } catch (UnknownHostException | RuntimeException e) {
                promise.tryFailure(e);
            }
        }
    }

    private <T> void offLoop(Promise<T> promise, Answer<T> answer) {
        try {
            threads.execute(new Task<>(promise, answer));
        } catch (RejectedExecutionException closed) {
            promise.tryFailure(new UnknownHostException("name resolution closed"));
        }
    }

    /**
     * Fails the lookups not yet started and ends the threads. A lookup already inside the JDK's
     * resolver cannot be interrupted: its thread ends when it returns (at the resolver's own timeout).
     */
    @Override
    public void close() {
        super.close();
        for (Runnable dropped : threads.shutdownNow()) {
            if (dropped instanceof Task<?> task) {
                task.promise.tryFailure(new UnknownHostException("name resolution closed"));
            }
        }
    }
}
