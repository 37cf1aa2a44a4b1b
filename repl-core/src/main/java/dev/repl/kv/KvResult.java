package dev.repl.kv;

import java.nio.ByteBuffer;

/**
 * What applying a {@link KvCommand} answers, as bytes: {@code 'O'} done, or {@code 'M'} a
 * compare-and-set that found another value, followed by {@code 'V'} and that value, or {@code 'A'}
 * when the key was absent.
 *
 * @param current for a refused compare-and-set, the value found (null: absent)
 */
public record KvResult(boolean applied, byte[] current) {

    public static final KvResult DONE = new KvResult(true, null);

    public byte[] encode() {
        if (applied) {
            return new byte[] {'O'};
        }
        if (current == null) {
            return new byte[] {'M', 'A'};
        }
        return ByteBuffer.allocate(2 + current.length).put((byte) 'M').put((byte) 'V').put(current).array();
    }

    public static KvResult decode(byte[] bytes) {
        if (bytes.length >= 1 && bytes[0] == 'O') {
            return DONE;
        }
        if (bytes.length >= 2 && bytes[0] == 'M') {
            return new KvResult(false, bytes[1] == 'A' ? null : java.util.Arrays.copyOfRange(bytes, 2, bytes.length));
        }
        throw new IllegalArgumentException("not a key-value result");
    }
}
