package dev.repl.handshake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The name of the cluster a node belongs to, and the 16-bit tag that stands for it in a hello:
 * the first two bytes of the SHA-256 of the name. Sixteen bits tell clusters apart when one is
 * pointed at another by mistake; they are not a secret and do not authenticate (TLS does).
 * Validated and hashed once, in {@link #of}; equal when the names are.
 */
public final class ClusterId {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** The cluster every node is in unless told otherwise. */
    public static final String DEFAULT_NAME = "repl";
    /**
     * The default name's tag, written out so that a node or a check in the default cluster never
     * starts the JDK's security providers just to hash a constant (about 16 ms of every start).
     */
    static final int DEFAULT_TAG = 0xa219;
    public static final ClusterId DEFAULT = new ClusterId(DEFAULT_NAME, DEFAULT_TAG);

    private final String name;
    private final int tag;

    private ClusterId(String name, int tag) {
        this.name = name;
        this.tag = tag;
    }

    /** @throws IllegalArgumentException when the name is not 1-64 letters, digits, '.', '_' or '-' */
    public static ClusterId of(String name) {
        if (check(name).equals(DEFAULT_NAME)) {
            return DEFAULT;
        }
        return new ClusterId(name, tagOf(name));
    }

    /**
     * Checks a name without hashing it, for a configuration validated long before its links open.
     *
     * @return the name
     * @throws IllegalArgumentException when it is not 1-64 letters, digits, '.', '_' or '-'
     */
    public static String check(String name) {
        Objects.requireNonNull(name, "name");
        if (!name.equals(DEFAULT_NAME) && !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("cluster id '" + name + "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return name;
    }

    public String name() {
        return name;
    }

    public int tag() {
        return tag;
    }

    /** The tag as the logs and the wire show it: four hex digits, for example {@code a1f3}. */
    public String hexTag() {
        return hex(tag);
    }

    public static String hex(int tag) {
        return String.format("%04x", tag & 0xFFFF);
    }

    static int tagOf(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return (digest[0] & 0xFF) << 8 | digest[1] & 0xFF;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClusterId id && id.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + " (" + hexTag() + ")";
    }
}
