package dev.repl.handshake;

import dev.repl.protocol.FrameCodec;
import dev.repl.protocol.LinkRole;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Who opened a link, as its hello says: what the link is for, the sender's name (its id within
 * the cluster), its term, and how often it heartbeats. An accepted connection carries its peer's
 * identity in the {@link #KEY} attribute once the hello is done.
 *
 * @param term                the leader's term; 0 until a leader has a log to number terms in
 * @param heartbeatIntervalMs how often the sender heartbeats, 0 for a probe; a follower checks its
 *                            {@code --leader-timeout} against it
 */
public record Identity(LinkRole role, String name, long term, int heartbeatIntervalMs) {

    public static final AttributeKey<Identity> KEY = AttributeKey.valueOf(Identity.class, "peer");

    /** Longest name in UTF-8 bytes: 21 name frames of three bytes, and the zero that ends it. */
    public static final int MAX_NAME_BYTES = 62;
    /** Terms travel in 24 bits of a frame. */
    public static final long MAX_TERM = FrameCodec.MAX_SEQUENCE;

    public Identity {
        Objects.requireNonNull(role, "role");
        checkName(name);
        if (term < 0 || term > MAX_TERM) {
            throw new IllegalArgumentException("term " + term + " is outside 0-" + MAX_TERM);
        }
        if (heartbeatIntervalMs < 0 || heartbeatIntervalMs > 0xFFFF) {
            throw new IllegalArgumentException("heartbeat interval " + heartbeatIntervalMs + " ms is outside 0-65535 ms");
        }
    }

    /** A leader's identity; an interval above what a hello carries is sent as the most it carries. */
    public static Identity leader(String name, long term, long heartbeatIntervalMs) {
        return new Identity(LinkRole.LEADER, name, term, (int) Math.min(0xFFFF, heartbeatIntervalMs));
    }

    public static Identity probe(String name) {
        return new Identity(LinkRole.PROBE, name, 0, 0);
    }

    /**
     * A node's name must fit a hello and read well in a log line.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("name '" + name + "' is longer than " + MAX_NAME_BYTES + " bytes");
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("name must not contain control characters");
        }
        return name;
    }

    @Override
    public String toString() {
        return role + " " + name + " (term " + term + ")";
    }
}
