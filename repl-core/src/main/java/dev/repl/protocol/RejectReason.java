package dev.repl.protocol;

/** Why an accepting side refused a hello: byte 1 of a reject frame. */
public enum RejectReason {
    /** The hello's protocol version is not this node's; bytes 2-3 carry the version it speaks. */
    VERSION_MISMATCH(1, "protocol version mismatch"),
    /** The hello's cluster tag is not this node's; bytes 2-3 carry the tag it expected. */
    CLUSTER_MISMATCH(2, "cluster id mismatch"),
    /** Sent in plaintext by a node that requires TLS, to a peer that said hello without it; bytes 2-3 are 0. */
    TLS_REQUIRED(3, "TLS required");

    private final int code;
    private final String text;

    RejectReason(int code, String text) {
        this.code = code;
        this.text = text;
    }

    public int code() {
        return code;
    }

    public String text() {
        return text;
    }

    /** @return the reason with this code, or null when the code is unknown */
    public static RejectReason of(int code) {
        for (RejectReason reason : values()) {
            if (reason.code == code) {
                return reason;
            }
        }
        return null;
    }
}
