package dev.repl.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native epoll transport where it loads, NIO otherwise. The choice is made once per JVM and
 * a fallback is logged with its reason. Set {@code -Dio.netty.transport.noNative=true} to force NIO.
 */
public final class Transport {

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    private static final long CLOSE_TIMEOUT_MILLIS = 2_000;

    private static volatile Transport chosen;

    private final String name;
    private final Supplier<IoHandlerFactory> ioHandlers;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;

    private Transport(String name, Supplier<IoHandlerFactory> ioHandlers,
                      Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel) {
        this.name = name;
        this.ioHandlers = ioHandlers;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
    }

    public static Transport get() {
        Transport t = chosen;
        if (t == null) {
            synchronized (Transport.class) {
                t = chosen;
                if (t == null) {
                    chosen = t = choose();
                }
            }
        }
        return t;
    }

    private static Transport choose() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        Throwable cause = Epoll.unavailabilityCause();
        log.info("native epoll transport unavailable ({}); using NIO", cause == null ? "unknown reason" : cause.getMessage());
        return new Transport("nio", NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** A group of {@code threads} event loops whose threads are named {@code <name>-<n>-<m>}. */
    public EventLoopGroup newGroup(int threads, String threadName) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true), ioHandlers.get());
    }

    /**
     * Shuts a group down at once and waits a bounded time for its threads to end, unless called
     * from one of them. There is no quiet period: callers close their channels first, so waiting
     * for more tasks would only delay exit.
     */
    public static void shutdown(EventLoopGroup group) {
        group.shutdownGracefully(0, CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        for (EventExecutor loop : group) {
            if (loop.inEventLoop()) {
                return; // waiting here would wait for ourselves
            }
        }
        group.terminationFuture().awaitUninterruptibly(CLOSE_TIMEOUT_MILLIS * 2);
    }

    /**
     * A bootstrap for the connections a node opens: this transport's channel, no Nagle delay for
     * 4-byte frames, and host names looked up by {@code names}, off the event loop.
     */
    public Bootstrap clientBootstrap(EventLoopGroup group, NameResolution names) {
        return new Bootstrap()
                .group(group)
                .channel(socketChannel)
                .option(ChannelOption.TCP_NODELAY, true)
                .resolver(names);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }

    public String name() {
        return name;
    }
}
