package dev.repl.bench.raw;

import dev.repl.api.ConnectionOptions;
import dev.repl.api.NodeAddress;
import dev.repl.handshake.ConnectingHandshake;
import dev.repl.handshake.Identity;
import dev.repl.leader.HeartbeatHandler;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import dev.repl.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The heartbeat path under test: a leader-side pipeline ({@link HeartbeatHandler}) ping-ponging
 * with a follower ({@link NodeServer}) over loopback, each on its own event-loop thread. Each ack
 * sends the next heartbeat at once, on each of the connections.
 */
final class NettyPingPong {

    private NettyPingPong() {
    }

    static void run(RttSampler sampler) throws Exception {
        run(sampler, 1);
    }

    /** Plaintext, in the default cluster. */
    static void run(RttSampler sampler, int connections) throws Exception {
        run(sampler, LinkSecurity.PLAINTEXT, connections);
    }

    /**
     * @param security    both ends' TLS and cluster; the leader end uses the client context
     * @param connections ping-pongs at once, each on its own connection, all on one event loop per side
     */
    static void run(RttSampler sampler, LinkSecurity security, int connections) throws Exception {
        try (NodeServer follower = new NodeServer("rtt-follower", NodeAddress.loopback(0), ConnectionOptions.defaults(), security, HeartbeatObserver.NONE)) {
            int port = follower.start().getPort();
            EventLoopGroup group = Transport.get().newGroup(1, "rtt-leader");
            List<Channel> channels = new ArrayList<>();
            try {
                CompletableFuture<Void> done = new CompletableFuture<>();
                ConnectionErrorHandler errors = new ConnectionErrorHandler("rtt-leader");
                for (int i = 0; i < connections; i++) {
                    Channel[] channel = new Channel[1];
                    HeartbeatHandler handler = new HeartbeatHandler(new HeartbeatHandler.Listener() {
                        @Override
                        public void ackReceived(int sequence, long rtt, long atNanos) {
                            if (sampler.sample(atNanos, rtt)) {
                                done.complete(null);
                            } else {
                                channel[0].pipeline().get(HeartbeatHandler.class).sendHeartbeat(channel[0].voidPromise());
                            }
                        }

                        @Override
                        public void connectionClosed(Throwable cause) {
                            done.completeExceptionally(new IllegalStateException("the follower closed the connection", cause));
                        }
                    });
                    channel[0] = new Bootstrap().group(group).channel(Transport.get().socketChannel())
                            .option(ChannelOption.TCP_NODELAY, true)
                            .handler(new ChannelInitializer<SocketChannel>() {
                                @Override
                                protected void initChannel(SocketChannel ch) {
                                    Pipelines.connectingSide(ch.pipeline(), security, Identity.probe("bench-rtt"), handler, errors);
                                }
                            })
                            .connect("127.0.0.1", port).sync().channel();
                    ConnectingHandshake.ready(channel[0], TimeUnit.SECONDS.toNanos(10)).sync();
                    channels.add(channel[0]);
                }
                for (Channel channel : channels) {
                    channel.eventLoop().execute(() -> channel.pipeline().get(HeartbeatHandler.class).sendHeartbeat(channel.voidPromise()));
                }
                done.get();
            } finally {
                for (Channel channel : channels) {
                    channel.close().syncUninterruptibly();
                }
                Transport.shutdown(group);
            }
        }
    }
}
