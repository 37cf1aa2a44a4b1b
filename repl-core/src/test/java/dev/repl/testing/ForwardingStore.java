package dev.repl.testing;

import dev.repl.api.KeyValueStore;
import dev.repl.api.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** The bundled key-value store, for a test to change one thing of: override the method that differs. */
public class ForwardingStore implements StateMachine {

    private final KeyValueStore store = new KeyValueStore();

    @Override
    public byte[] apply(long index, byte[] command) {
        return store.apply(index, command);
    }

    @Override
    public void snapshot(OutputStream out) throws IOException {
        store.snapshot(out);
    }

    @Override
    public void restore(InputStream in) throws IOException {
        store.restore(in);
    }

    @Override
    public byte[] query(byte[] request) {
        return store.query(request);
    }
}
