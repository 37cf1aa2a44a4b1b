package dev.repl.log;

import java.io.IOException;

/** The log on disk is damaged before its end: the node does not start. The message names the file and the offset. */
public final class LogCorruptException extends IOException {

    public LogCorruptException(String message) {
        super(message);
    }
}
