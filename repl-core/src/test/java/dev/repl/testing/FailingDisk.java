package dev.repl.testing;

import dev.repl.log.Fsync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A disk whose fsync of chosen paths fails with EIO; every fsync asked of it, failed or not, is recorded. */
public final class FailingDisk implements Fsync.Device {

    private final List<Path> forced = new CopyOnWriteArrayList<>();
    private volatile Predicate<Path> failing = path -> false;

    /** From now on, an fsync of a path that {@code which} accepts fails. */
    public void fail(Predicate<Path> which) {
        this.failing = which;
    }

    /** Every path an fsync was asked for, in order. */
    public List<Path> forced() {
        return List.copyOf(forced);
    }

    @Override
    public void force(Path path, FileChannel channel, boolean metadata) throws IOException {
        forced.add(path);
        if (failing.test(path)) {
            throw new IOException("Input/output error");
        }
        channel.force(metadata);
    }
}
