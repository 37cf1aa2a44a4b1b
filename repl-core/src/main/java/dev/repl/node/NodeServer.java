package dev.repl.node;

import dev.repl.config.NodeAddress;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.FailureReason;
import dev.repl.transport.NodeStartException;
import dev.repl.transport.Pipelines;
import dev.repl.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on a node's address and answers heartbeats with acks. Every node runs one: it is all
 * a follower is today, and it lets anyone probe a leader the same way. Start and close are
 * idempotent; a failed start releases everything it took.
 */
public final class NodeServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeServer.class);

    private enum State { NEW, STARTED, CLOSED }

    private final String name;
    private final NodeAddress address;
    private final HeartbeatObserver observer;
    private State state = State.NEW;
    private EventLoopGroup group;
    private Channel serverChannel;

    public NodeServer(String name, NodeAddress address, HeartbeatObserver observer) {
        this.name = Objects.requireNonNull(name, "name");
        this.address = Objects.requireNonNull(address, "address");
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /**
     * Binds the address. Calling it again returns the same address.
     *
     * @return the bound address, with the real port when the configured one was 0
     * @throws NodeStartException naming the node and address when it cannot listen
     */
    public synchronized InetSocketAddress start() {
        if (state == State.STARTED) {
            return boundAddress();
        }
        if (state == State.CLOSED) {
            throw new IllegalStateException(name + " is closed");
        }
        Transport transport = Transport.get();
        EventLoopGroup loops = transport.newGroup(1, name);
        AckHandler ackHandler = new AckHandler(observer);
        ConnectionErrorHandler errors = new ConnectionErrorHandler(name);
        try {
            serverChannel = new ServerBootstrap()
                    .group(loops)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            Pipelines.acceptingSide(ch.pipeline(), ackHandler, errors);
                        }
                    })
                    .bind(address.host(), address.port())
                    .syncUninterruptibly()
                    .channel();
        } catch (Exception e) {
            Transport.shutdown(loops);
            state = State.CLOSED;
            throw new NodeStartException(name + ": cannot listen on " + address + ": " + FailureReason.describe(e), e);
        }
        group = loops;
        state = State.STARTED;
        InetSocketAddress bound = boundAddress();
        log.info("{}: listening on {}:{} ({})", name, bound.getHostString(), bound.getPort(), transport.name());
        return boundAddress();
    }

    /** @return the bound address; only valid once started */
    public synchronized InetSocketAddress boundAddress() {
        if (state != State.STARTED) {
            throw new IllegalStateException(name + " is not listening");
        }
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Stops listening, closes every accepted connection and ends the event-loop thread. */
    @Override
    public synchronized void close() {
        if (state != State.STARTED) {
            state = State.CLOSED;
            return;
        }
        state = State.CLOSED;
        serverChannel.close();
        Transport.shutdown(group);
        log.info("{}: stopped", name);
    }
}
