package dev.repl.leader;

import static dev.repl.testing.Wire.readHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.ProtocolException;
import dev.repl.testing.Channels;
import dev.repl.testing.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatHandlerTest {

    private final List<Integer> acked = new ArrayList<>();
    private final List<Throwable> closedBy = new ArrayList<>();
    private boolean closed;

    private final HeartbeatHandler.Listener listener = new HeartbeatHandler.Listener() {
        @Override
        public void ackReceived(int sequence, long rttNanos, long atNanos) {
            assertTrue(rttNanos >= 0);
            acked.add(sequence);
        }

        @Override
        public void connectionClosed(Throwable cause) {
            closed = true;
            closedBy.add(cause);
        }
    };

    /** A leader's connection whose follower has accepted the hello. */
    private EmbeddedChannel connectingSide(HeartbeatHandler handler) {
        EmbeddedChannel ch = Channels.connecting(handler);
        assertEquals(Wire.LEADER_HELLO, readHex(ch), "the hello goes first");
        ch.writeInbound(Wire.hex(Wire.HELLO_ACK));
        return ch;
    }

    private static ByteBuf ack(int sequence) {
        return Unpooled.buffer(4).writeInt(0x41 << 24 | sequence);
    }

    @Test
    void leaderMatchesAckToHeartbeatBySequence() {
        HeartbeatHandler handler = new HeartbeatHandler(listener);
        EmbeddedChannel ch = connectingSide(handler);
        assertEquals(List.of("frameDecoder", "frameCodec", "heartbeatHandler", "connectionErrors"), ch.pipeline().names().subList(0, 4),
                "the handshake gave its place to the heartbeat handler");
        handler.sendHeartbeat(ch.newPromise());
        handler.sendHeartbeat(ch.newPromise());
        assertEquals("48000000", readHex(ch));
        assertEquals("48000001", readHex(ch));
        ch.writeInbound(ack(1), ack(0), ack(0));
        assertEquals(List.of(1, 0), acked, "each heartbeat is matched once; the duplicate is ignored");
        assertTrue(ch.isActive());
        assertFalse(ch.finish());
    }

    @Test
    void sequenceWrapsFromMaxToZero() {
        HeartbeatHandler handler = new HeartbeatHandler(listener, FrameCodec.MAX_SEQUENCE);
        EmbeddedChannel ch = connectingSide(handler);
        handler.sendHeartbeat(ch.newPromise());
        handler.sendHeartbeat(ch.newPromise());
        assertEquals("48ffffff", readHex(ch));
        assertEquals("48000000", readHex(ch));
        ch.writeInbound(ack(FrameCodec.MAX_SEQUENCE), ack(0));
        assertEquals(List.of(FrameCodec.MAX_SEQUENCE, 0), acked);
        assertFalse(ch.finish());
    }

    @Test
    void ackForASequenceNeverSentClosesTheConnection() {
        HeartbeatHandler handler = new HeartbeatHandler(listener);
        EmbeddedChannel ch = connectingSide(handler);
        handler.sendHeartbeat(ch.newPromise());
        readHex(ch);
        ch.writeInbound(ack(5));
        assertFalse(ch.isActive());
        assertTrue(closed);
        assertTrue(closedBy.get(0) instanceof ProtocolException, String.valueOf(closedBy));
        assertEquals(List.of(), acked);
        ch.finishAndReleaseAll();
    }

    @Test
    void heartbeatFromAFollowerIsAProtocolError() {
        HeartbeatHandler handler = new HeartbeatHandler(listener);
        EmbeddedChannel ch = connectingSide(handler);
        ch.writeInbound(Unpooled.buffer(4).writeInt(0x48 << 24));
        assertFalse(ch.isActive());
        assertTrue(closedBy.get(0) instanceof ProtocolException);
        ch.finishAndReleaseAll();
    }

    @Test
    void cleanCloseByThePeerIsReportedWithoutACause() {
        EmbeddedChannel ch = connectingSide(new HeartbeatHandler(listener));
        ch.close();
        assertTrue(closed);
        assertNull(closedBy.get(0));
        ch.finishAndReleaseAll();
    }
}
