package dev.repl.kv;

import dev.repl.state.StateMachine;
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
 * The bundled state machine: a map of string keys to byte values, changed by put,
 * compare-and-set and delete. Applied on the log's applier thread; read from any thread, each
 * key's value as of some applied index.
 */
public final class KvStateMachine implements StateMachine {

    // Hashed, not sorted: a put costs the same however many keys there are. Snapshots sort a copy.
    private volatile ConcurrentHashMap<String, byte[]> entries = new ConcurrentHashMap<>();

    @Override
    public byte[] apply(long index, byte[] command) {
        KvCommand c = KvCommand.decode(command);
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
