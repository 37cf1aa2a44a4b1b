package dev.repl.log;

import java.io.IOException;

/** An fsync failed, or was not tried because one failed before: what is on disk is unknown. Names the file. */
public final class FsyncFailedException extends IOException {

    public FsyncFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
