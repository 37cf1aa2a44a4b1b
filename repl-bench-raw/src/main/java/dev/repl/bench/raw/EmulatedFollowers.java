package dev.repl.bench.raw;

import dev.repl.cli.ExitCodes;
import dev.repl.cli.bench.Benchmark;
import dev.repl.handshake.AcceptingHandshake;
import dev.repl.handshake.ClusterId;
import dev.repl.node.AckHandler;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.Pipelines;
import dev.repl.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code repl bench followers} (hidden): the far end of {@code repl bench fanout}. Listens on
 * {@code --count} consecutive loopback ports and answers every connection with a follower's real
 * accepting pipeline, all on one event-loop thread, until standard input closes (its parent
 * holds it open). Prints {@code ready} once every port is bound.
 */
@Command(name = "followers", hidden = true, description = "Emulate --count followers on consecutive ports from --base-port.")
public final class EmulatedFollowers implements Benchmark {

    @Option(names = "--base-port", required = true)
    int basePort;

    @Option(names = "--count", required = true)
    int count;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        EventLoopGroup group = Transport.get().newGroup(1, "emulated-followers");
        try {
            LeaderTracker leader = new LeaderTracker("emulated", Duration.ofSeconds(1));
            ConnectionErrorHandler errors = new ConnectionErrorHandler("emulated");
            ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(Transport.get().serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            Pipelines.acceptingSide(ch.pipeline(), null, Duration.ofMinutes(1),
                                    new AcceptingHandshake("emulated", ClusterId.DEFAULT, AcceptingHandshake.Listener.NONE),
                                    new AckHandler(leader, HeartbeatObserver.NONE), errors);
                        }
                    });
            for (int i = 0; i < count; i++) {
                bootstrap.bind("127.0.0.1", basePort + i).syncUninterruptibly();
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("ready " + count);
            out.flush();
            while (System.in.read() >= 0) {
                // Only the end of the stream matters: the parent is gone or done.
            }
            return ExitCodes.OK;
        } finally {
            Transport.shutdown(group);
        }
    }
}
