package dev.repl.transport;

import dev.repl.config.NodeAddress;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;

/**
 * A bound server socket and the one event-loop thread that serves it. Binding either succeeds
 * completely or releases everything and throws a {@link NodeStartException} naming the node,
 * what it was listening for, and the address.
 */
public final class Listener {

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
