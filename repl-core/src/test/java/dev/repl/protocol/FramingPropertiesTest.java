package dev.repl.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.failure.HandshakeFailedException;
import dev.repl.handshake.ConnectingHandshake;
import dev.repl.handshake.Identity;
import dev.repl.leader.HeartbeatHandler;
import dev.repl.node.LeaderTracker;
import dev.repl.testing.Channels;
import dev.repl.testing.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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

    private static final byte[] HELLO = HexFormat.of().parseHex(Wire.LEADER_HELLO);
    private static final byte[] KNOWN_TYPES = {0x48, 0x41, 0x4a, 0x52, 0x49, 0x54, 0x4e};

    /**
     * Random bytes, biased towards valid type bytes so that long runs of frames are common, and
     * half of them behind the default cluster's whole hello so that the handshake is passed often.
     */
    private static byte[] wire(SplittableRandom random) {
        byte[] wire = new byte[random.nextInt(81)];
        for (int i = 0; i < wire.length; i++) {
            int roll = random.nextInt(10);
            wire[i] = roll < 3 ? 0x48 : roll < 5 ? 0x41 : roll < 7 ? KNOWN_TYPES[random.nextInt(KNOWN_TYPES.length)] : (byte) random.nextInt(256);
        }
        if (random.nextBoolean()) {
            // The whole hello, or a prefix of it cut at a frame, so every step of the exchange is reached.
            int length = Math.min(wire.length, 4 * random.nextInt(HELLO.length / 4 + 1));
            System.arraycopy(HELLO, 0, wire, 0, length);
        }
        return wire;
    }

    private static boolean knownType(byte b) {
        for (byte known : KNOWN_TYPES) {
            if (b == known) {
                return true;
            }
        }
        return false;
    }

    private static int word(byte[] wire, int at) {
        return (wire[at] & 0xff) << 24 | (wire[at + 1] & 0xff) << 16 | (wire[at + 2] & 0xff) << 8 | wire[at + 3] & 0xff;
    }

    /**
     * What a follower must answer, as a reference model: nothing until a whole hello (hello of
     * version 3 and this cluster, identity of a known role, term, a valid name ended by a zero
     * byte), then the hello's ack and one ack per heartbeat; a reject for a wrong version or
     * cluster. It ends with "closed" when the connection must end. All answers are one hex string:
     * how they are cut into writes is the node's business.
     */
    private static String expectedAnswers(byte[] wire) {
        StringBuilder answers = new StringBuilder();
        int step = 0;
        ByteArrayOutputStream name = new ByteArrayOutputStream();
        for (int at = 0; at + 4 <= wire.length; at += 4) {
            int word = word(wire, at);
            byte type = wire[at];
            if (!knownType(type)) {
                return answers + "closed";
            }
            switch (step) {
                case 0 -> {
                    if (type != 0x4a) {
                        return answers + "closed";
                    }
                    if (wire[at + 1] != 0x03) {
                        return answers + "52010003closed";
                    }
                    if ((word & 0xffff) != 0xa219) {
                        return answers + "5202a219closed";
                    }
                    step = 1;
                }
                case 1 -> {
                    if (type != 0x49 || wire[at + 1] != 0x4c && wire[at + 1] != 0x50) {
                        return answers + "closed";
                    }
                    step = 2;
                }
                case 2 -> {
                    if (type != 0x54) {
                        return answers + "closed";
                    }
                    step = 3;
                }
                case 3 -> {
                    if (type != 0x4e) {
                        return answers + "closed";
                    }
                    for (int i = 1; i <= 3 && step == 3; i++) {
                        if (wire[at + i] == 0) {
                            if (!validName(name.toByteArray())) {
                                return answers + "closed";
                            }
                            answers.append(Wire.HELLO_ACK);
                            step = 4;
                        } else if (name.size() == Identity.MAX_NAME_BYTES) {
                            return answers + "closed";
                        } else {
                            name.write(wire[at + i]);
                        }
                    }
                }
                default -> {
                    if (type != 0x48) {
                        return answers + "closed";
                    }
                    answers.append(String.format("41%06x", word & 0xffffff));
                }
            }
        }
        return answers.toString();
    }

    private static boolean validName(byte[] utf8) {
        try {
            Identity.checkName(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(utf8)).toString());
            return true;
        } catch (CharacterCodingException | IllegalArgumentException e) {
            return false;
        }
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
            EmbeddedChannel ch = Channels.accepting(new LeaderTracker("prop", Duration.ofSeconds(1)));
            for (ByteBuf read : c.reads()) {
                if (ch.isOpen()) {
                    ch.writeInbound(read); // throws if an exception reached the end of the pipeline
                } else {
                    read.release();
                }
            }
            ch.checkException();
            String answers = Wire.readAllHex(ch) + (ch.isOpen() ? "" : "closed");
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
            EmbeddedChannel ch = Channels.connecting(new HeartbeatHandler(HeartbeatHandler.Listener.NONE));
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
            boolean accepted = wire.length >= 4 && word(wire, 0) == 0x4103a219;
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
