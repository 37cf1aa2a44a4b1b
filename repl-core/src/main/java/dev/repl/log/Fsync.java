package dev.repl.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How a member makes its files durable: the fsync of a file, and of a directory once a file in it
 * was created, renamed or deleted. The log, {@code meta.json} and the snapshots all force through
 * one instance per data directory, whose {@link Device} a test may replace with one that fails.
 */
public final class Fsync {

    /** What forces: the operating system, or a test's stand-in. */
    @FunctionalInterface
    public interface Device {
        /** Forces {@code channel}, open on {@code path} (a file, or a directory opened for reading). */
        void force(Path path, FileChannel channel, boolean metadata) throws IOException;
    }

    private final Device device;

    public Fsync(Device device) {
        this.device = device;
    }

    /** Forces through {@link FileChannel#force}. */
    public static Fsync ofDisk() {
        return new Fsync((path, channel, metadata) -> channel.force(metadata));
    }

    /** Forces what was written to {@code file} (and with {@code metadata}, its size and times). */
    public void file(Path file, FileChannel channel, boolean metadata) throws FsyncFailedException {
        try {
            device.force(file, channel, metadata);
        } catch (IOException e) {
            throw failed(file, e);
        }
    }

    /** Makes a file created, renamed or deleted in {@code dir} durable (Linux: fsync of the directory). */
    public void directory(Path dir) throws FsyncFailedException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            device.force(dir, d, true);
        } catch (IOException e) {
            // Some file systems cannot open a directory for reading; there the rename is what durability there is.
        }
    }

    private FsyncFailedException failed(Path path, IOException cause) {
        return new FsyncFailedException("fsync of " + path + " failed: " + cause.getMessage(), cause);
    }
}
