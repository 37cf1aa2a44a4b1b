package dev.repl.protocol;

/**
 * The first byte of every frame. Each value is a printable ASCII letter so a hex dump reads
 * as text; all other values are reserved for later frames (hello, reject) and are errors today.
 */
public enum FrameType {
    /** Leader to follower: "are you there?". */
    HEARTBEAT((byte) 0x48),
    /** Follower to leader: the answer, echoing the heartbeat's sequence number. */
    ACK((byte) 0x41);

    private final byte code;

    FrameType(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    /** @return the type with this code, or null when the code is not a known frame type */
    static FrameType of(byte code) {
        return switch (code) {
            case 0x48 -> HEARTBEAT;
            case 0x41 -> ACK;
            default -> null;
        };
    }
}
