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
 */
public record ClusterId(String name, int tag) {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** The cluster every node is in unless told otherwise; its tag is {@code a219}. */
    public static final String DEFAULT_NAME = "repl";
    public static final ClusterId DEFAULT = of(DEFAULT_NAME);

    public ClusterId {
        Objects.requireNonNull(name, "name");
        if (!VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("cluster id '" + name + "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (tag != tagOf(name)) {
            throw new IllegalArgumentException("tag " + hex(tag) + " does not belong to cluster id '" + name + "'");
        }
    }

    public static ClusterId of(String name) {
        return new ClusterId(name, VALID.matcher(Objects.requireNonNull(name, "name")).matches() ? tagOf(name) : -1);
    }

    /** The tag as the logs and the wire show it: four hex digits, for example {@code a1f3}. */
    public String hexTag() {
        return hex(tag);
    }

    public static String hex(int tag) {
        return String.format("%04x", tag & 0xFFFF);
    }

    private static int tagOf(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return (digest[0] & 0xFF) << 8 | digest[1] & 0xFF;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return name + " (" + hexTag() + ")";
    }
}
