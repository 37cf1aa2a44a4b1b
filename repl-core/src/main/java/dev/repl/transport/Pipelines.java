package dev.repl.transport;

import dev.repl.protocol.FrameCodec;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The two pipeline layouts and their handler names, in one place:
 * <pre>
 *   accepting side:   frameDecoder -> frameCodec -> idleTimeout -> ackHandler -> connectionErrors
 *   connecting side:  frameDecoder -> frameCodec -> heartbeatHandler -> connectionErrors
 * </pre>
 * The idle timeout sits behind the codec, so only whole frames count as activity: a half frame
 * or a byte every few seconds does not keep a connection open.
 * <pre>
 * </pre>
 */
public final class Pipelines {

    public static final String FRAME_DECODER = "frameDecoder";
    public static final String FRAME_CODEC = "frameCodec";
    public static final String IDLE_TIMEOUT = "idleTimeout";
    public static final String ACK_HANDLER = "ackHandler";
    public static final String HEARTBEAT_HANDLER = "heartbeatHandler";
    public static final String CONNECTION_ERRORS = "connectionErrors";

    private Pipelines() {
    }

    /** A node's accepted connection: answers heartbeats, and is closed after {@code idleTimeout} without a whole frame. */
    public static void acceptingSide(ChannelPipeline pipeline, Duration idleTimeout, ChannelHandler ackHandler, ConnectionErrorHandler errors) {
        framed(pipeline)
                .addLast(IDLE_TIMEOUT, new IdleStateHandler(idleTimeout.toNanos(), 0, 0, TimeUnit.NANOSECONDS))
                .addLast(ACK_HANDLER, ackHandler)
                .addLast(CONNECTION_ERRORS, errors);
    }

    /** A leader's connection to a follower: sends heartbeats and matches acks. */
    public static void connectingSide(ChannelPipeline pipeline, ChannelHandler heartbeatHandler, ConnectionErrorHandler errors) {
        framed(pipeline).addLast(HEARTBEAT_HANDLER, heartbeatHandler).addLast(CONNECTION_ERRORS, errors);
    }

    private static ChannelPipeline framed(ChannelPipeline pipeline) {
        // The decoder keeps a partial frame per channel, so each channel gets its own.
        return pipeline.addLast(FRAME_DECODER, new FixedLengthFrameDecoder(FrameCodec.FRAME_LENGTH))
                .addLast(FRAME_CODEC, FrameCodec.INSTANCE);
    }
}
