package dev.repl.transport;

import dev.repl.api.NodeAddress;
import dev.repl.api.NodeStartException;
import dev.repl.api.client.FailureReason;
import dev.repl.config.Addresses;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;

/**
 * A bound server socket and the one event-loop thread that serves it. Binding either succeeds
 * completely or releases everything and throws a {@link NodeStartException} naming the node,
 * what it was listening for, and the address.
 */
public final class Listener {

    /**
     * What an accepted connection may have queued for its peer before it counts as unwritable, and
     * is no longer read until the queue drains below the low mark: a peer that does not read
     * holds at most this, and one read's answers, of this node's memory.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    /**
     * At most 16 KiB read from one connection per turn of the event loop (4,096 frames): a peer
     * that floods waits for its next turn instead of holding up every other connection on the
     * loop, a leader's included. Netty's default reads up to 16 buffers of 64 KiB a turn.
     */
    static final RecvByteBufAllocator FAIR_READS = new AdaptiveRecvByteBufAllocator(64, 1024, 16 * 1024).maxMessagesPerRead(1);

    private final EventLoopGroup group;
    private final Channel channel;

    private Listener(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * @param what         what the port is for, in the error message: {@code "listen"}, {@code "serve admin"}
     * @param threadName   the name of the serving thread
     * @param childHandler the initializer of every accepted connection
     */
    public static Listener bind(String nodeName, String what, NodeAddress address, String threadName, ChannelHandler childHandler) {
        Transport transport = Transport.get();
        EventLoopGroup group = transport.newGroup(1, threadName);
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, FAIR_READS)
                    .childHandler(childHandler)
                    .bind(address.host(), address.port())
                    .syncUninterruptibly()
                    .channel();
            return new Listener(group, channel);
        } catch (Exception e) {
            Transport.shutdown(group);
            throw new NodeStartException(nodeName + ": cannot " + what + " on " + address + ": " + FailureReason.describe(e), e);
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    public EventLoopGroup group() {
        return group;
    }

    /** {@code host:port} as bound, with the real port when 0 was asked for. */
    public String describe() {
        return Addresses.format(localAddress()) + " (" + Transport.get().name() + ")";
    }

    /** Closes the server socket and every accepted connection, and ends the thread. */
    public void close() {
        channel.close();
        Transport.shutdown(group);
    }
}
