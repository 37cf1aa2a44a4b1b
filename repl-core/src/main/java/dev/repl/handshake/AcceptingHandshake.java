package dev.repl.handshake;

import dev.repl.config.Addresses;
import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.FrameType;
import dev.repl.protocol.LinkRole;
import dev.repl.protocol.ProtocolException;
import dev.repl.protocol.RejectReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting side's half of the hello exchange. The first frame must be a hello of this
 * protocol version and cluster, followed by the peer's identity, term and name. Then the peer's
 * {@link Identity} is set on the channel, the hello is acked, the listener told, and this handler
 * leaves the pipeline. A wrong version or cluster is answered with a reject and one log line;
 * anything else out of order is a protocol error. One per channel: it collects the name.
 */
public final class AcceptingHandshake extends SimpleChannelInboundHandler<ByteBuf> {

    private static final Logger log = LoggerFactory.getLogger(AcceptingHandshake.class);

    /**
     * Told on the channel's event loop when a peer has said who it is, before its hello is acked;
     * must not block. It may throw a {@link ProtocolException} to refuse the peer.
     */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (channel, peer) -> { };

        void linked(Channel channel, Identity peer);
    }

    private enum Expect { HELLO, IDENTITY, TERM, NAME }

    private final String nodeName;
    private final ClusterId clusterId;
    private final Listener listener;
    private final byte[] name = new byte[Identity.MAX_NAME_BYTES];
    private Expect expect = Expect.HELLO;
    private int hello;
    private LinkRole role;
    private int heartbeatIntervalMs;
    private long term;
    private int nameLength;

    public AcceptingHandshake(String nodeName, ClusterId clusterId, Listener listener) {
        this.nodeName = nodeName;
        this.clusterId = clusterId;
        this.listener = listener;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        if (!ctx.channel().isActive()) {
            return; // refused already; frames that came in the same read are dropped
        }
        FrameType type = FrameCodec.type(frame);
        int payload = FrameCodec.payload(frame);
        switch (expect) {
            case HELLO -> hello(ctx, type, frame, payload);
            case IDENTITY -> {
                expectType(FrameType.IDENTITY, type, frame);
                role = FrameCodec.identityRole(payload);
                if (role == null) {
                    throw new ProtocolException("unknown link role 0x" + Integer.toHexString(payload >>> 16) + " in identity " + FrameCodec.hex(frame));
                }
                heartbeatIntervalMs = FrameCodec.identityIntervalMs(payload);
                expect = Expect.TERM;
            }
            case TERM -> {
                expectType(FrameType.TERM, type, frame);
                term = payload;
                expect = Expect.NAME;
            }
            case NAME -> {
                expectType(FrameType.NAME, type, frame);
                for (int i = 0; i < 3; i++) {
                    int b = FrameCodec.nameByte(payload, i);
                    if (b == 0) {
                        linked(ctx);
                        return;
                    }
                    if (nameLength == name.length) {
                        throw new ProtocolException("peer name longer than " + Identity.MAX_NAME_BYTES + " bytes");
                    }
                    name[nameLength++] = (byte) b;
                }
            }
        }
    }

    private void hello(ChannelHandlerContext ctx, FrameType type, ByteBuf frame, int payload) {
        if (type != FrameType.HELLO) {
            throw new ProtocolException("expected a hello first, got " + type + " frame " + FrameCodec.hex(frame)
                    + " (a peer of an older version, or not a leader)");
        }
        int version = FrameCodec.helloVersion(payload);
        int tag = FrameCodec.helloTag(payload);
        if (version != Handshake.PROTOCOL_VERSION) {
            refuse(ctx, RejectReason.VERSION_MISMATCH, Handshake.PROTOCOL_VERSION, version);
        } else if (tag != clusterId.tag()) {
            refuse(ctx, RejectReason.CLUSTER_MISMATCH, clusterId.tag(), tag);
        } else {
            hello = payload;
            expect = Expect.IDENTITY;
        }
    }

    private void expectType(FrameType wanted, FrameType type, ByteBuf frame) {
        if (type != wanted) {
            throw new ProtocolException("expected the peer's " + wanted.name().toLowerCase() + " frame during its hello, got "
                    + type + " frame " + FrameCodec.hex(frame));
        }
    }

    private void linked(ChannelHandlerContext ctx) {
        Identity peer;
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(name, 0, nameLength)).toString();
            peer = new Identity(role, text, term, heartbeatIntervalMs);
        } catch (CharacterCodingException e) {
            throw new ProtocolException("peer name is not UTF-8");
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("peer identity refused: " + e.getMessage());
        }
        ctx.channel().attr(Identity.KEY).set(peer);
        // Told before the ack: it may refuse the peer, or change what follows the hello in the pipeline.
        listener.linked(ctx.channel(), peer);
        ctx.writeAndFlush(FrameCodec.encode(ctx.alloc(), FrameType.ACK, hello), ctx.voidPromise());
        ctx.pipeline().remove(this);
        log.debug("{}: linked with {} from {}", nodeName, peer, Addresses.format(ctx.channel().remoteAddress()));
    }

    private void refuse(ChannelHandlerContext ctx, RejectReason reason, int expected, int sent) {
        log.atWarn().addKeyValue("event", "peer-refused").addKeyValue("peer", Addresses.format(ctx.channel().remoteAddress()))
                .addKeyValue("reason", reason.text()).log("{}: refused {}: {}: expected {}, peer sent {}", nodeName,
                        Addresses.format(ctx.channel().remoteAddress()),
                reason.text(), Handshake.format(reason, expected), Handshake.format(reason, sent));
        ctx.writeAndFlush(FrameCodec.encode(ctx.alloc(), FrameType.REJECT, FrameCodec.rejectPayload(reason, expected)), ctx.voidPromise());
        ctx.close();
    }
}
