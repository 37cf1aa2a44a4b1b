package dev.repl.transport;

import dev.repl.handshake.ConnectingHandshake;
import dev.repl.handshake.Identity;
import dev.repl.handshake.TlsRequired;
import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.FrameDecoder;
import dev.repl.protocol.LinkRole;
import dev.repl.protocol.ReplicationFramer;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The two pipeline layouts and their handler names, in one place:
 * <pre>
 *   accepting side:   [tlsRequired -> tls] -> frameDecoder -> frameCodec -> idleTimeout -> handshake -> ackHandler -> connectionErrors
 *   connecting side:  [tls] -> frameDecoder -> frameCodec -> handshake -> connectionErrors
 *                     then, once the hello is accepted, handshake is replaced by heartbeatHandler
 * </pre>
 * {@code tls} is there only when TLS is on; on the accepting side {@code tlsRequired} answers a
 * plaintext peer with a reject it can read. Each {@code handshake} leaves the pipeline once the
 * hello is accepted, so heartbeats pay nothing for it, and a heartbeat handler only ever sees a
 * linked peer. The idle timeout sits behind the frame
 * decoder, so only whole frames count as activity: a stalled TLS handshake, a half frame or a
 * byte every few seconds does not keep a connection open.
 */
public final class Pipelines {

    public static final String TLS_REQUIRED = "tlsRequired";
    public static final String TLS = "tls";
    public static final String FRAME_DECODER = "frameDecoder";
    public static final String FRAME_CODEC = "frameCodec";
    public static final String IDLE_TIMEOUT = "idleTimeout";
    public static final String HANDSHAKE = "handshake";
    public static final String ACK_HANDLER = "ackHandler";
    public static final String HEARTBEAT_HANDLER = "heartbeatHandler";
    public static final String CONNECTION_ERRORS = "connectionErrors";
    public static final String LENGTH_FRAMER = "lengthFramer";
    public static final String REPLICATION = "replication";

    private Pipelines() {
    }

    /**
     * A node's accepted connection: checks the hello, then answers heartbeats; closed after
     * {@code idleTimeout} without a whole frame.
     *
     * @param tls the server context, or null for plaintext
     */
    public static void acceptingSide(ChannelPipeline pipeline, SslContext tls, Duration idleTimeout, ChannelHandler handshake,
                                     ChannelHandler ackHandler, ConnectionErrorHandler errors) {
        if (tls != null) {
            pipeline.addLast(TLS_REQUIRED, new TlsRequired(errors.nodeName()));
        }
        framed(pipeline, tls)
                .addLast(IDLE_TIMEOUT, new IdleStateHandler(idleTimeout.toNanos(), 0, 0, TimeUnit.NANOSECONDS))
                .addLast(HANDSHAKE, handshake)
                .addLast(ACK_HANDLER, ackHandler)
                .addLast(CONNECTION_ERRORS, errors);
    }

    /**
     * A leader's connection to a follower: says hello, then sends heartbeats and matches acks.
     * {@link ConnectingHandshake#ready} tells when heartbeats may start.
     *
     * @param security the cluster to say hello as, and TLS when on
     * @param self     who this end says it is in its hello
     */
    public static void connectingSide(ChannelPipeline pipeline, LinkSecurity security, Identity self, ChannelHandler heartbeatHandler,
                                      ConnectionErrorHandler errors) {
        framed(pipeline, security.clientContext())
                .addLast(HANDSHAKE, new ConnectingHandshake(security.clusterId(), self, self.role() == LinkRole.REPLICATION ? REPLICATION
                        : HEARTBEAT_HANDLER, heartbeatHandler))
                .addLast(CONNECTION_ERRORS, errors);
    }

    /**
     * A replication stream's connecting side once its hello is acked: the 4-byte framing gives
     * way to length-prefixed frames of at most {@code maxFrameBytes} (checked as soon as a
     * length arrives, before anything is allocated for the frame).
     * <pre>
     *   [tls] -> lengthFramer -> replication -> connectionErrors
     * </pre>
     */
    public static void toReplication(ChannelPipeline pipeline, int maxFrameBytes) {
        pipeline.replace(FRAME_DECODER, LENGTH_FRAMER, lengthFramer(maxFrameBytes));
        pipeline.remove(FRAME_CODEC);
        // Writable while less than two frames wait: one leaves while the next is read from the log.
        // The default 64 KiB would make every frame a stop until the last byte of the one before left.
        pipeline.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(maxFrameBytes, 2 * maxFrameBytes));
    }

    /**
     * The accepting side of a replication stream, once its hello is done: length-prefixed
     * frames to {@code stream} in place of the 4-byte framing and the ack handler.
     * <pre>
     *   [tlsRequired -> tls] -> lengthFramer -> idleTimeout -> replication -> connectionErrors
     * </pre>
     */
    public static void acceptingReplication(ChannelPipeline pipeline, int maxFrameBytes, ChannelHandler stream) {
        pipeline.replace(FRAME_DECODER, LENGTH_FRAMER, lengthFramer(maxFrameBytes));
        pipeline.remove(FRAME_CODEC);
        pipeline.replace(ACK_HANDLER, REPLICATION, stream);
        // The leader's log arrives in frames of megabytes: 16 KiB a turn (the port's fair share for
        // anyone) would take hundreds of turns per frame. Only a peer that passed the hello gets this.
        pipeline.channel().config().setRecvByteBufAllocator(REPLICATION_READS);
    }

    /** A replication stream reads up to 1 MiB per turn of the event loop, in buffers of up to 256 KiB. */
    static final RecvByteBufAllocator REPLICATION_READS = new AdaptiveRecvByteBufAllocator(64, 64 * 1024, 256 * 1024).maxMessagesPerRead(4);

    private static ChannelHandler lengthFramer(int maxFrameBytes) {
        return new ReplicationFramer(maxFrameBytes);
    }

    private static ChannelPipeline framed(ChannelPipeline pipeline, SslContext tls) {
        if (tls != null) {
            pipeline.addLast(TLS, tls.newHandler(pipeline.channel().alloc()));
        }
        // The decoder keeps a partial frame per channel, so each channel gets its own.
        return pipeline.addLast(FRAME_DECODER, new FrameDecoder())
                .addLast(FRAME_CODEC, FrameCodec.INSTANCE);
    }
}
