package dev.repl.runtime;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.LoggerFactory;

/**
 * What a command has started, closed in reverse order of starting, once: from a shutdown hook,
 * or when the command ends first. A failure to close one thing is logged and the rest still closed.
 */
public final class Closer {

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private boolean closed;

    /** @return {@code resource}, which may be null (nothing to close) */
    public synchronized <T extends AutoCloseable> T add(T resource) {
        if (resource != null) {
            started.push(resource);
        }
        return resource;
    }

    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!started.isEmpty()) {
            AutoCloseable next = started.pop();
            try {
                next.close();
            } catch (Exception e) {
                LoggerFactory.getLogger(Closer.class).warn("closing {}: {}", next.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
