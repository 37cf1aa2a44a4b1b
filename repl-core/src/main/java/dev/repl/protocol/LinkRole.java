package dev.repl.protocol;

/**
 * What a connection is for, as its identity frame says (byte 1). A follower counts heartbeats as
 * its leader's only on a {@link #LEADER} link; a {@link #PROBE}'s are answered and nothing more.
 */
public enum LinkRole {
    /** A leader's lasting link to one of its followers. */
    LEADER(0x4C, "leader"),
    /** A one-shot check ({@code repl heartbeat}): answered, never taken for a leader. */
    PROBE(0x50, "probe"),
    /** A leader's replication stream to one follower: length-prefixed frames after the hello. */
    REPLICATION(0x52, "replication stream");

    private final int code;
    private final String text;

    LinkRole(int code, String text) {
        this.code = code;
        this.text = text;
    }

    public int code() {
        return code;
    }

    @Override
    public String toString() {
        return text;
    }

    /** @return the role with this code, or null when the code is unknown */
    public static LinkRole of(int code) {
        for (LinkRole role : values()) {
            if (role.code == code) {
                return role;
            }
        }
        return null;
    }
}
