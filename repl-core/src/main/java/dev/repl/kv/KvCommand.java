package dev.repl.kv;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A write to the key-value store as the log carries it, and its one codec:
 * <pre>
 *   u8  op        'P' put, 'C' compare-and-set, 'D' delete
 *   u16 keyLength, then the key in UTF-8
 *   put:  the value, to the end
 *   cas:  u32 expectedLength (0xffffffff: the key must be absent), the expected value, then the new value
 *   del:  nothing
 * </pre>
 */
public record KvCommand(Op op, String key, byte[] expected, byte[] value) {

    public enum Op { PUT, CAS, DELETE }

    /** Keys of the HTTP API: at most this many UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;
    private static final int ABSENT = -1;

    public KvCommand {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(key, "key");
        if (key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("a key is 1 to " + MAX_KEY_BYTES + " bytes of UTF-8");
        }
    }

    public static KvCommand put(String key, byte[] value) {
        return new KvCommand(Op.PUT, key, null, value);
    }

    /** @param expected the value the key must have, or null: the key must be absent */
    public static KvCommand cas(String key, byte[] expected, byte[] value) {
        return new KvCommand(Op.CAS, key, expected, value);
    }

    public static KvCommand delete(String key) {
        return new KvCommand(Op.DELETE, key, null, null);
    }

    public byte[] encode() {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int size = 3 + k.length + switch (op) {
            case PUT -> value.length;
            case CAS -> 4 + (expected == null ? 0 : expected.length) + value.length;
            case DELETE -> 0;
        };
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) (op == Op.PUT ? 'P' : op == Op.CAS ? 'C' : 'D')).putShort((short) k.length).put(k);
        if (op == Op.CAS) {
            out.putInt(expected == null ? ABSENT : expected.length);
            if (expected != null) {
                out.put(expected);
            }
        }
        if (op != Op.DELETE) {
            out.put(value);
        }
        return out.array();
    }

    /** @throws IllegalArgumentException when the bytes are not a command */
    public static KvCommand decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte op = in.get();
            byte[] k = new byte[Short.toUnsignedInt(in.getShort())];
            in.get(k);
            String key = new String(k, StandardCharsets.UTF_8);
            return switch (op) {
                case 'P' -> put(key, Arrays.copyOfRange(bytes, in.position(), bytes.length));
                case 'C' -> {
                    int expectedLength = in.getInt();
                    byte[] expected = null;
                    if (expectedLength != ABSENT && (expectedLength < 0 || expectedLength > in.remaining())) {
                        throw new IllegalArgumentException("a key-value command's expected value of " + expectedLength
                                + " bytes does not fit in the command");
                    }
                    if (expectedLength != ABSENT) {
                        expected = new byte[expectedLength];
                        in.get(expected);
                    }
                    yield cas(key, expected, Arrays.copyOfRange(bytes, in.position(), bytes.length));
                }
                case 'D' -> delete(key);
                default -> throw new IllegalArgumentException("unknown key-value operation 0x" + Integer.toHexString(op & 0xFF));
            };
        } catch (java.nio.BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("a key-value command cut short");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KvCommand c && c.op == op && c.key.equals(key) && Arrays.equals(c.expected, expected) && Arrays.equals(c.value, value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, key, Arrays.hashCode(expected), Arrays.hashCode(value));
    }

    @Override
    public String toString() {
        return op + " " + key;
    }
}
