package dev.repl.api;

import dev.repl.kv.KvCommand;
import dev.repl.kv.KvResult;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bundled state machine, which the key-value HTTP API ({@link NodeConfig#clientAddress}) and
 * {@code repl put/get/cas/del} use: a map of string keys to byte values, changed by put,
 * compare-and-set and delete. A {@link #query} is a key in UTF-8; its answer the value, or null.
 * Commands for {@link ReplNode#propose} are made by {@link #put}, {@link #compareAndSet} and
 * {@link #delete}; a committed command's result {@link #wasSet} unless it was a compare-and-set
 * that found another value, or bytes none of them made (which change nothing).
 *
 * <p>Applied on the log's applier thread; read from any thread, each
 * key's value as of some applied index.
 */
public final class KeyValueStore implements StateMachine {

    /** Whether a committed command's result says it took effect. */
    public static boolean wasSet(byte[] result) {
        return KvResult.decode(result).applied();
    }

    /** The command that sets {@code key} to {@code value}. */
    public static byte[] put(String key, byte[] value) {
        return KvCommand.put(key, value).encode();
    }

    /** The command that sets {@code key} to {@code value} if it is {@code expected} now (null: absent). */
    public static byte[] compareAndSet(String key, byte[] expected, byte[] value) {
        return KvCommand.cas(key, expected, value).encode();
    }

    /** The command that removes {@code key}. */
    public static byte[] delete(String key) {
        return KvCommand.delete(key).encode();
    }

    private static final byte[] NOT_SET = new KvResult(false, null).encode();

    // Hashed, not sorted: a put costs the same however many keys there are. Snapshots sort a copy.
    private volatile ConcurrentHashMap<String, byte[]> entries = new ConcurrentHashMap<>();

    /** An empty store: a node fills it from its last snapshot and log. */
    public KeyValueStore() {
    }

    @Override
    public byte[] apply(long index, byte[] command) {
        KvCommand c;
        try {
            c = KvCommand.decode(command);
        } catch (IllegalArgumentException e) {
            // Bytes no encoder here made: thrown, they would stop every node at this entry.
            return NOT_SET;
        }
        return switch (c.op()) {
            case PUT -> {
                entries.put(c.key(), c.value());
                yield KvResult.DONE.encode();
            }
            case DELETE -> {
                entries.remove(c.key());
                yield KvResult.DONE.encode();
            }
            case CAS -> {
                byte[] current = entries.get(c.key());
                if (Arrays.equals(current, c.expected())) {
                    entries.put(c.key(), c.value());
                    yield KvResult.DONE.encode();
                }
                yield new KvResult(false, current).encode();
            }
        };
    }

    /** The value of {@code key} as of the last entry applied, or null. */
    public byte[] get(String key) {
        return entries.get(key);
    }

    @Override
    public byte[] query(byte[] key) {
        return entries.get(new String(key, StandardCharsets.UTF_8));
    }

    public int size() {
        return entries.size();
    }

    @Override
    public void snapshot(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        // Sorted, so that nodes at the same index write the same bytes. Taken on the applier thread: nothing changes meanwhile.
        Map<String, byte[]> copy = new TreeMap<>(entries);
        data.writeInt(copy.size());
        for (Map.Entry<String, byte[]> e : copy.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            data.writeShort(key.length);
            data.write(key);
            data.writeInt(e.getValue().length);
            data.write(e.getValue());
        }
        data.flush();
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int count = data.readInt();
        ConcurrentHashMap<String, byte[]> restored = new ConcurrentHashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] key = data.readNBytes(data.readUnsignedShort());
            byte[] value = data.readNBytes(data.readInt());
            restored.put(new String(key, StandardCharsets.UTF_8), value);
        }
        entries = restored; // at once: a stale read sees the old state or the new one, never an empty map
    }
}
