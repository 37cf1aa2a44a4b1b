package dev.repl.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * How a member makes its files durable: the fsync of a file, and of a directory once a file in it
 * was created, renamed or deleted. The log, {@code meta.json} and the snapshots all force through
 * one instance per data directory, whose {@link Device} a test may replace with one that fails.
 *
 * <p>A failed fsync is final. The kernel may have dropped the pages it could not write and
 * reports the error once (PostgreSQL's "fsyncgate"), so a later fsync that succeeds proves
 * nothing: every call after a failure fails at once without asking the disk, and the listener
 * ({@link #onFailure}: the log's writer) stops the log, whichever thread saw the failure.
 */
public final class Fsync {

    /** What forces: the operating system, or a test's stand-in. */
    @FunctionalInterface
    public interface Device {
        /** Forces {@code channel}, open on {@code path} (a file, or a directory opened for reading). */
        void force(Path path, FileChannel channel, boolean metadata) throws IOException;
    }

    private final Device device;
    private volatile Consumer<FsyncFailedException> listener = e -> { };
    private volatile FsyncFailedException failure;

    public Fsync(Device device) {
        this.device = device;
    }

    /** Forces through {@link FileChannel#force}. */
    public static Fsync ofDisk() {
        return new Fsync((path, channel, metadata) -> channel.force(metadata));
    }

    /** Told of the first failure, on the thread that saw it. Must not block. */
    public void onFailure(Consumer<FsyncFailedException> listener) {
        this.listener = listener;
    }

    /** The first failure, or null while every fsync has succeeded. */
    public FsyncFailedException failure() {
        return failure;
    }

    /** Forces what was written to {@code file} (and with {@code metadata}, its size and times). */
    public void file(Path file, FileChannel channel, boolean metadata) throws FsyncFailedException {
        checkNoneFailed(file);
        try {
            device.force(file, channel, metadata);
        } catch (IOException e) {
            throw failed(file, e);
        }
    }

    /** Makes a file created, renamed or deleted in {@code dir} durable (Linux: fsync of the directory). */
    public void directory(Path dir) throws FsyncFailedException {
        checkNoneFailed(dir);
        FileChannel d;
        try {
            d = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException e) {
            return; // Some file systems (Windows) cannot open a directory at all; there the rename is what durability there is.
        }
        try (d) {
            device.force(dir, d, true);
        } catch (IOException e) {
            throw failed(dir, e);
        }
    }

    /** Creates {@code dir} and what is missing of its parents, each forced into its own parent. */
    public void createDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        Files.createDirectories(absolute);
        if (parent != null) {
            directory(parent);
        }
    }

    private void checkNoneFailed(Path path) throws FsyncFailedException {
        FsyncFailedException first = failure;
        if (first != null) {
            throw new FsyncFailedException("fsync of " + path + " not tried: " + first.getMessage(), first);
        }
    }

    private FsyncFailedException failed(Path path, IOException cause) {
        FsyncFailedException e = new FsyncFailedException("fsync of " + path + " failed: " + cause.getMessage(), cause);
        boolean first;
        synchronized (this) {
            first = failure == null;
            if (first) {
                failure = e;
            }
        }
        if (first) {
            listener.accept(e);
        }
        return e;
    }
}
