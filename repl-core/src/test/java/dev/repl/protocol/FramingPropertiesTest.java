package dev.repl.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.node.AckHandler;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.Pipelines;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Properties over generated inputs: any bytes, split into reads at any points, yield valid frames
 * up to the first bad type byte and then a protocol error — never a different frame, never an
 * escaped exception, never a buffer left unreleased. Each case comes from a fixed seed, named in
 * any failure, so a failure replays exactly.
 */
class FramingPropertiesTest {

    private static final int CASES = 2_000;

    /** Random bytes, biased towards valid type bytes so that long runs of frames are common. */
    private static byte[] wire(SplittableRandom random) {
        byte[] wire = new byte[random.nextInt(65)];
        for (int i = 0; i < wire.length; i++) {
            int roll = random.nextInt(8);
            wire[i] = roll < 3 ? 0x48 : roll < 5 ? 0x41 : (byte) random.nextInt(256);
        }
        return wire;
    }

    /** The same bytes cut into 1 to 9 reads at random points, as TCP may deliver them. */
    private static List<ByteBuf> split(byte[] wire, SplittableRandom random) {
        TreeSet<Integer> points = new TreeSet<>(List.of(0, wire.length));
        for (int cuts = random.nextInt(9); cuts > 0; cuts--) {
            points.add(random.nextInt(wire.length + 1));
        }
        List<ByteBuf> reads = new ArrayList<>();
        Integer from = null;
        for (int to : points) {
            if (from != null && to > from) {
                reads.add(Unpooled.copiedBuffer(wire, from, to - from));
            }
            from = to;
        }
        return reads;
    }

    /** One generated input: the bytes, the reads they arrive in, and a description that replays it. */
    private record Case(String what, byte[] wire, List<ByteBuf> reads) {
    }

    /** Runs {@code check} on every case, then asserts that every read buffer was released. */
    private static void forEachCase(Consumer<Case> check) {
        for (long seed = 0; seed < CASES; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            byte[] wire = wire(random);
            Case c = new Case("seed " + seed + ", bytes " + HexFormat.of().formatHex(wire), wire, split(wire, random));
            check.accept(c);
            for (ByteBuf read : c.reads()) {
                assertEquals(0, read.refCnt(), c.what() + ": every read buffer is released");
            }
        }
    }

    @Test
    void codecDecodesFramesUntilTheFirstBadTypeByte() {
        forEachCase(c -> {
            String what = c.what();
            byte[] wire = c.wire();
            EmbeddedChannel ch = new EmbeddedChannel(new FixedLengthFrameDecoder(FrameCodec.FRAME_LENGTH), FrameCodec.INSTANCE);
            boolean failed = false;
            for (ByteBuf read : c.reads()) {
                if (failed) {
                    read.release(); // a real connection is closed here; nothing more is read
                    continue;
                }
                try {
                    ch.writeInbound(read);
                } catch (DecoderException e) {
                    assertTrue(e instanceof ProtocolException, what + ": " + e);
                    failed = true;
                }
            }
            boolean bad = false;
            for (int at = 0; at + 4 <= wire.length; at += 4) {
                if (wire[at] != 0x48 && wire[at] != 0x41) {
                    bad = true;
                    break;
                }
                int word = (wire[at] & 0xff) << 24 | (wire[at + 1] & 0xff) << 16 | (wire[at + 2] & 0xff) << 8 | wire[at + 3] & 0xff;
                assertEquals(FrameCodec.unpack(word), ch.readInbound(), what);
            }
            assertEquals(bad, failed, what);
            ch.finishAndReleaseAll();
        });
    }

    @Test
    void acceptingPipelineAnswersEachHeartbeatOrClosesAndNothingEscapes() {
        forEachCase(c -> {
            String what = c.what();
            byte[] wire = c.wire();
            EmbeddedChannel ch = new EmbeddedChannel();
            Pipelines.acceptingSide(ch.pipeline(), Duration.ofSeconds(10),
                    new AckHandler(new LeaderTracker("prop", Duration.ofSeconds(1)), HeartbeatObserver.NONE), new ConnectionErrorHandler("prop"));
            for (ByteBuf read : c.reads()) {
                if (ch.isOpen()) {
                    ch.writeInbound(read); // throws if an exception reached the end of the pipeline
                } else {
                    read.release();
                }
            }
            ch.checkException();
            int heartbeats = 0;
            boolean bad = false;
            for (int at = 0; at + 4 <= wire.length; at += 4) {
                if (wire[at] != 0x48) {
                    bad = true;
                    break;
                }
                heartbeats++;
            }
            int acks = 0;
            for (ByteBuf out; (out = ch.readOutbound()) != null; acks++) {
                assertEquals(0x41, out.getByte(0) & 0xff, what);
                out.release();
            }
            assertEquals(heartbeats, acks, what + ": one ack per heartbeat before any bad frame");
            assertEquals(bad, !ch.isOpen(), what + ": closed exactly when a bad frame arrived");
            assertFalse(ch.finishAndReleaseAll(), what);
        });
    }
}
