package dev.repl.handshake;

import dev.repl.protocol.RejectReason;

/** What both ends of the hello exchange agree on. */
public final class Handshake {

    /** The protocol version a hello carries; a node refuses any other. Version 2 added the identity after the hello, version 3 a log record's synced field. */
    public static final int PROTOCOL_VERSION = 3;

    private Handshake() {
    }

    /** A value a reject compares, as the logs show it: a version in decimal, a cluster tag in hex. */
    static String format(RejectReason reason, int value) {
        return reason == RejectReason.CLUSTER_MISMATCH ? ClusterId.hex(value) : Integer.toString(value);
    }
}
