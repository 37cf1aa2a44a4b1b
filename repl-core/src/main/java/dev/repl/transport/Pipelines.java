package dev.repl.transport;

import dev.repl.protocol.FrameCodec;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.FixedLengthFrameDecoder;

/**
 * The two pipeline layouts and their handler names, in one place:
 * <pre>
 *   accepting side:   frameDecoder -> frameCodec -> ackHandler       -> connectionErrors
 *   connecting side:  frameDecoder -> frameCodec -> heartbeatHandler -> connectionErrors
 * </pre>
 */
public final class Pipelines {

    public static final String FRAME_DECODER = "frameDecoder";
    public static final String FRAME_CODEC = "frameCodec";
    public static final String ACK_HANDLER = "ackHandler";
    public static final String HEARTBEAT_HANDLER = "heartbeatHandler";
    public static final String CONNECTION_ERRORS = "connectionErrors";

    private Pipelines() {
    }

    /** A node's accepted connection: answers heartbeats. */
    public static void acceptingSide(ChannelPipeline pipeline, ChannelHandler ackHandler, ConnectionErrorHandler errors) {
        framed(pipeline).addLast(ACK_HANDLER, ackHandler).addLast(CONNECTION_ERRORS, errors);
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
