package dev.repl.log;

/**
 * The tail recovery cut off the log at start-up (see {@link TornTail}).
 *
 * @param file      the segment it was cut from
 * @param offset    where in the file the cut began
 * @param bytes     how many bytes were cut
 * @param fromIndex the first index the cut bytes could have held
 * @param explained whether the damage is what a torn write leaves; if not, the bytes may have been
 *                  forced records, and an elected member votes again only once a leader has
 *                  replicated past the cut
 * @param reason    what was wrong with the first bad record
 */
public record LogCut(String file, long offset, long bytes, long fromIndex, boolean explained, String reason) {
}
