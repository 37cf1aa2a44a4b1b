package dev.repl.log;

import java.io.IOException;

/**
 * The tail recovery cut off the log at start-up (see {@link TornTail}).
 *
 * @param file      the segment it was cut from
 * @param offset    where in the file the cut began
 * @param bytes     how many bytes were cut
 * @param keptTerm  the term of the last record kept (the snapshot's, or 0, when none is)
 * @param fromIndex the first index the cut bytes could have held
 * @param upToIndex the last index they could have held: every record takes at least a header
 * @param explained whether the damage is what a torn write leaves; if not, the bytes may have been
 *                  forced records, and an elected member votes again only once a leader has
 *                  replicated past the cut
 * @param reason    what was wrong with the first bad record
 */
public record LogCut(String file, long offset, long bytes, long keptTerm, long fromIndex, long upToIndex, boolean explained, String reason) {

    /** Told of a cut before the bytes are gone: what must survive a crash during the cut is made durable here. */
    @FunctionalInterface
    public interface Listener {
        void beforeCut(LogCut cut) throws IOException;
    }
}
