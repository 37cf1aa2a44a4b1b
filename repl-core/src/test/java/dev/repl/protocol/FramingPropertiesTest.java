package dev.repl.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.handshake.AcceptingHandshake;
import dev.repl.handshake.ClusterId;
import dev.repl.handshake.ConnectingHandshake;
import dev.repl.handshake.HandshakeFailedException;
import dev.repl.leader.HeartbeatHandler;
import dev.repl.node.AckHandler;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.LeaderTracker;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Properties over generated inputs: any bytes, split into reads at any points, yield valid frames
 * up to the first bad type byte and then a protocol error — never a different frame, never an
 * escaped exception, never a buffer left unreleased. Through the accepting pipeline, the hello
 * exchange comes first: only a right hello opens the way to heartbeats. Each case comes from a
 * fixed seed, named in any failure, so a failure replays exactly.
 */
class FramingPropertiesTest {

    private static final int CASES = 2_000;

    private static final byte[] HELLO = {0x4a, 0x01, (byte) 0xa2, 0x19};

    /**
     * Random bytes, biased towards valid type bytes so that long runs of frames are common, and
     * half of them behind the default cluster's hello so that the handshake is passed often.
     */
    private static byte[] wire(SplittableRandom random) {
        byte[] wire = new byte[random.nextInt(65)];
        for (int i = 0; i < wire.length; i++) {
            int roll = random.nextInt(10);
            wire[i] = roll < 3 ? 0x48 : roll < 5 ? 0x41 : roll == 5 ? 0x4a : roll == 6 ? 0x52 : (byte) random.nextInt(256);
        }
        if (random.nextBoolean()) {
            System.arraycopy(HELLO, 0, wire, 0, Math.min(HELLO.length, wire.length));
        }
        return wire;
    }

    private static boolean knownType(byte b) {
        return b == 0x48 || b == 0x41 || b == 0x4a || b == 0x52;
    }

    private static int word(byte[] wire, int at) {
        return (wire[at] & 0xff) << 24 | (wire[at + 1] & 0xff) << 16 | (wire[at + 2] & 0xff) << 8 | wire[at + 3] & 0xff;
    }

    /**
     * What a follower must answer, frame by frame, as a reference model: the ack to a right hello
     * and one ack per heartbeat after it; a reject for a wrong hello; nothing for anything else.
     * The last element is "closed" when the connection must end.
     */
    private static List<String> expectedAnswers(byte[] wire) {
        List<String> answers = new ArrayList<>();
        for (int at = 0; at + 4 <= wire.length; at += 4) {
            int word = word(wire, at);
            if (at == 0) {
                if (wire[0] != 0x4a) {
                    answers.add("closed");
                    return answers;
                }
                if (wire[1] != 0x01) {
                    answers.add("52010001");
                    answers.add("closed");
                    return answers;
                }
                if ((word & 0xffff) != 0xa219) {
                    answers.add("5202a219");
                    answers.add("closed");
                    return answers;
                }
                answers.add(String.format("41%06x", word & 0xffffff));
            } else if (wire[at] == 0x48) {
                answers.add(String.format("41%06x", word & 0xffffff));
            } else {
                answers.add("closed");
                return answers;
            }
        }
        return answers;
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
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(), FrameCodec.INSTANCE);
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
                if (!knownType(wire[at])) {
                    bad = true;
                    break;
                }
                ByteBuf frame = ch.readInbound();
                assertEquals(word(wire, at), frame.getInt(frame.readerIndex()), what);
                assertEquals(4, frame.readableBytes(), what);
                frame.release();
            }
            assertEquals(bad, failed, what);
            ch.finishAndReleaseAll();
        });
    }

    @Test
    void acceptingPipelineAnswersAsTheModelSaysAndNothingEscapes() {
        forEachCase(c -> {
            String what = c.what();
            EmbeddedChannel ch = new EmbeddedChannel();
            Pipelines.acceptingSide(ch.pipeline(), null, Duration.ofSeconds(10), new AcceptingHandshake("prop", ClusterId.DEFAULT),
                    new AckHandler(new LeaderTracker("prop", Duration.ofSeconds(1)), HeartbeatObserver.NONE), new ConnectionErrorHandler("prop"));
            for (ByteBuf read : c.reads()) {
                if (ch.isOpen()) {
                    ch.writeInbound(read); // throws if an exception reached the end of the pipeline
                } else {
                    read.release();
                }
            }
            ch.checkException();
            List<String> answers = new ArrayList<>();
            for (ByteBuf out; (out = ch.readOutbound()) != null; ) {
                answers.add(ByteBufUtil.hexDump(out));
                out.release();
            }
            if (!ch.isOpen()) {
                answers.add("closed");
            }
            assertEquals(expectedAnswers(c.wire()), answers, what);
            assertFalse(ch.finishAndReleaseAll(), what);
        });
    }

    @Test
    void connectingHandshakeSucceedsOnlyOnTheAckOfItsHelloAndNothingEscapes() {
        forEachCase(c -> {
            String what = c.what();
            byte[] wire = c.wire();
            if (wire.length >= 4 && wire[0] == 0x4a && random(c).nextBoolean()) {
                wire[0] = 0x41; // often answer with the right ack
                c.reads().get(0).setByte(0, 0x41);
            }
            EmbeddedChannel ch = new EmbeddedChannel();
            Pipelines.connectingSide(ch.pipeline(), LinkSecurity.PLAINTEXT, new HeartbeatHandler(new HeartbeatHandler.Listener() {
                @Override
                public void ackReceived(int sequence, long rttNanos, long atNanos) {
                }

                @Override
                public void connectionClosed(Throwable cause) {
                }
            }), new ConnectionErrorHandler("prop"));
            Future<Channel> ready = ConnectingHandshake.ready(ch, TimeUnit.SECONDS.toNanos(10));
            ByteBuf hello = ch.readOutbound();
            hello.release();
            for (ByteBuf read : c.reads()) {
                if (ch.isOpen()) {
                    ch.writeInbound(read);
                } else {
                    read.release();
                }
            }
            ch.checkException();
            boolean accepted = wire.length >= 4 && word(wire, 0) == 0x4101a219;
            if (wire.length < 4) {
                assertFalse(ready.isDone(), what + ": still waiting for a whole answer");
            } else {
                assertEquals(accepted, ready.isSuccess(), what);
                if (!accepted) {
                    assertFalse(ch.isOpen(), what + ": a wrong answer ends the connection");
                    assertTrue(ready.cause() instanceof ProtocolException || ready.cause() instanceof HandshakeFailedException,
                            what + ": " + ready.cause());
                }
            }
            ch.finishAndReleaseAll();
        });
    }

    private static SplittableRandom random(Case c) {
        return new SplittableRandom(c.what().hashCode());
    }
}
