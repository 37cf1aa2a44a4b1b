package dev.repl.protocol;

/**
 * The first byte of every frame. Each value is a printable ASCII letter so a hex dump reads
 * as text; all other values are reserved and are protocol errors.
 */
public enum FrameType {
    /** Leader to follower: "are you there?". The payload is a sequence number. */
    HEARTBEAT((byte) 0x48),
    /** The answer to a heartbeat or a hello, echoing its payload. */
    ACK((byte) 0x41),
    /** Connecting side, first frame on every connection: protocol version and cluster tag ("J" for join). */
    HELLO((byte) 0x4A),
    /** Connecting side, right after the hello: what the link is for ({@link LinkRole}) and the sender's heartbeat interval. */
    IDENTITY((byte) 0x49),
    /** Connecting side, after the identity: the sender's term (24 bits). */
    TERM((byte) 0x54),
    /** Connecting side, after the term: three bytes of the sender's name; the name ends at the first zero byte. */
    NAME((byte) 0x4E),
    /** Accepting side, instead of an ack to a hello: a reason code and the value it expected. */
    REJECT((byte) 0x52);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType type : values()) {
            BY_CODE[type.code & 0xFF] = type;
        }
    }

    private final byte code;

    FrameType(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    /** @return the type with this code, or null when the code is not a known frame type */
    static FrameType of(int code) {
        return BY_CODE[code & 0xFF];
    }
}
