package dev.repl.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.KeyValueStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KvStateMachineTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void commandsSurviveTheirEncoding() {
        for (KvCommand c : new KvCommand[] {KvCommand.put("k", b("v")), KvCommand.put("ключ", new byte[0]), KvCommand.cas("k", b("old"), b("new")),
                KvCommand.cas("k", null, b("first")), KvCommand.delete("gone")}) {
            assertEquals(c, KvCommand.decode(c.encode()), c.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> KvCommand.decode(new byte[] {'X', 0, 1, 'k'}));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.decode(new byte[] {'P', 0, 9}));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.put("", b("v")));
    }

    @Test
    void putCompareAndSetAndDelete() {
        KeyValueStore kv = new KeyValueStore();
        assertTrue(KvResult.decode(kv.apply(1, KvCommand.put("k", b("1")).encode())).applied());
        KvResult refused = KvResult.decode(kv.apply(2, KvCommand.cas("k", b("2"), b("3")).encode()));
        assertArrayEquals(b("1"), refused.current(), "a refused compare-and-set says what it found");
        assertTrue(KvResult.decode(kv.apply(3, KvCommand.cas("k", b("1"), b("3")).encode())).applied());
        assertArrayEquals(b("3"), kv.get("k"));
        assertTrue(KvResult.decode(kv.apply(4, KvCommand.cas("new", null, b("x")).encode())).applied(), "absent as expected");
        kv.apply(5, KvCommand.delete("k").encode());
        assertNull(kv.get("k"));
        assertNull(KvResult.decode(kv.apply(6, KvCommand.cas("k", b("3"), b("4")).encode())).current(), "absent: nothing found");
    }

    @Test
    void bytesNoEncoderMadeChangeNothingAndSaySo() {
        KeyValueStore kv = new KeyValueStore();
        kv.apply(1, KeyValueStore.put("k", b("1")));
        // The last claims an expected value of 2 GiB: refused, not allocated.
        for (byte[] junk : new byte[][] {b("x"), b("P"), {'Z', 0, 1, 'k'}, {'C', 0, 1, 'k', 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}}) {
            assertFalse(KeyValueStore.wasSet(kv.apply(2, junk)), "not a command: applied as nothing, on every node alike");
        }
        assertArrayEquals(b("1"), kv.get("k"));
    }

    @Test
    void aSnapshotRestoresTheSameState() throws IOException {
        KeyValueStore kv = new KeyValueStore();
        for (int i = 0; i < 100; i++) {
            kv.apply(i + 1, KvCommand.put("k" + i, b("v" + i)).encode());
        }
        ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
        kv.snapshot(snapshot);
        KeyValueStore restored = new KeyValueStore();
        restored.apply(1, KvCommand.put("stale", b("x")).encode());
        restored.restore(new ByteArrayInputStream(snapshot.toByteArray()));
        assertEquals(100, restored.size());
        assertNull(restored.get("stale"), "a restore replaces the state");
        assertArrayEquals(b("v42"), restored.get("k42"));
    }
}
