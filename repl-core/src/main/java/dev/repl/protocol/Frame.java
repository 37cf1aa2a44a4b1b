package dev.repl.protocol;

import java.util.Objects;

/** One decoded frame: its type and an unsigned 24-bit sequence number. */
public record Frame(FrameType type, int sequence) {

    /** Sequence numbers are 24 bits and wrap from this value to 0. */
    public static final int MAX_SEQUENCE = (1 << 24) - 1;

    public Frame {
        Objects.requireNonNull(type, "type");
        if ((sequence & ~MAX_SEQUENCE) != 0) {
            throw new IllegalArgumentException("sequence " + sequence + " is outside 0-" + MAX_SEQUENCE);
        }
    }

    public static Frame heartbeat(int sequence) {
        return new Frame(FrameType.HEARTBEAT, sequence);
    }

    public static Frame ack(int sequence) {
        return new Frame(FrameType.ACK, sequence);
    }

    /** The sequence number after {@code sequence}, wrapping at 2^24. */
    public static int nextSequence(int sequence) {
        return (sequence + 1) & MAX_SEQUENCE;
    }

    /** How far {@code later} is ahead of {@code earlier}, modulo 2^24. */
    public static int distance(int earlier, int later) {
        return (later - earlier) & MAX_SEQUENCE;
    }
}
