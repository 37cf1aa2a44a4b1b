package dev.repl.peer;

import dev.repl.api.Peer;
import dev.repl.api.client.FailureReason;
import dev.repl.election.Election;
import dev.repl.handshake.Identity;
import dev.repl.protocol.LinkRole;
import dev.repl.protocol.ProtocolException;
import dev.repl.replication.ReplicationCodec;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.Connector;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.NameResolution;
import dev.repl.transport.Pipelines;
import dev.repl.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a candidate's vote requests. Each request is one short replication stream: the hello
 * (role {@code R}, so TLS and the cluster check are the same as for log shipping), one vote frame,
 * one answer, closed. A request not answered within the election timeout is dropped: the next
 * round asks again. Its own event-loop thread; nothing here blocks.
 */
final class VoteCaller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VoteCaller.class);

    private final String name;
    private final LinkSecurity security;
    private final long timeoutNanos;
    private final int maxFrameBytes;
    private final EventLoopGroup group;
    private final NameResolution names;
    private final Bootstrap bootstrap;
    private final ConnectionErrorHandler errors;

    VoteCaller(String name, LinkSecurity security, long timeoutNanos, int maxFrameBytes) {
        this.name = name;
        this.security = security;
        this.timeoutNanos = timeoutNanos;
        this.maxFrameBytes = maxFrameBytes;
        this.group = Transport.get().newGroup(1, name + "-votes");
        this.names = new NameResolution(name + "-votes", NameResolution.SYSTEM);
        this.bootstrap = Transport.get().clientBootstrap(group, names);
        this.errors = new ConnectionErrorHandler(name);
    }

    /** Sends {@code request} to {@code peer}; {@code answer} is called on this caller's thread if an answer comes in time. */
    void ask(Peer peer, Election.VoteRequest request, Consumer<Election.VoteResponse> answer) {
        EventLoop loop = group.next();
        Identity self = new Identity(LinkRole.REPLICATION, name, Math.min(request.term(), Identity.MAX_TERM), 0);
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                Pipelines.connectingSide(ch.pipeline(), security, self, new Answer(answer), errors);
            }
        });
        long deadline = System.nanoTime() + timeoutNanos;
        Connector.connect(b, loop, peer, null, 0, deadline, timeoutNanos, (p, attempt, cause, retryIn) -> { })
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        log.debug("{}: {} vote request to {}: {}", name, request.pre() ? "pre-" : "", peer, FailureReason.explain(f.cause()));
                        return;
                    }
                    Channel ch = (Channel) f.getNow();
                    Pipelines.toReplication(ch.pipeline(), maxFrameBytes);
                    ch.writeAndFlush(ReplicationCodec.vote(ch.alloc(), request));
                    loop.schedule(() -> {
                        ch.close();
                    }, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                });
    }

    /** The stream's handler: one answer, then close. */
    private static final class Answer extends SimpleChannelInboundHandler<ByteBuf> {

        private final Consumer<Election.VoteResponse> answer;

        Answer(Consumer<Election.VoteResponse> answer) {
            this.answer = answer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            if (ReplicationCodec.type(frame) != ReplicationCodec.VOTED) {
                throw new ProtocolException("expected an answer to a vote request, got '" + (char) ReplicationCodec.type(frame) + "'");
            }
            Election.VoteResponse response = ReplicationCodec.readVoted(frame);
            ctx.close();
            answer.accept(response);
        }
    }

    @Override
    public void close() {
        Transport.shutdown(group);
        names.close();
    }
}
