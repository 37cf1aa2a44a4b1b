package dev.repl.cli;

import dev.repl.api.client.HeartbeatReport;

/** Every exit code the command line returns. Documented in the README. */
public final class ExitCodes {

    /** Success; for a heartbeat check, every follower responded. */
    public static final int OK = 0;
    /** Some followers responded, not all; for {@code get}, no such key; for {@code cas}, the key had another value. */
    public static final int PARTIAL = 1;
    /** For {@code get} and {@code cas}: the answer was no (not found, another value). The same code as {@link #PARTIAL}. */
    public static final int NO = 1;
    /** No follower responded. */
    public static final int NONE_RESPONDED = 2;
    /** The command could not do its job: a port was taken, a child process failed, an unexpected error. */
    public static final int ERROR = 3;
    /** A write's outcome is unknown: it was not committed in time and may still commit. Never reported as failed. */
    public static final int UNKNOWN = 4;
    /** The command line was wrong (as sysexits' EX_USAGE). */
    public static final int USAGE = 64;

    private ExitCodes() {
    }

    public static int of(HeartbeatReport report) {
        if (report.responded() == report.total()) {
            return OK;
        }
        return report.responded() == 0 ? NONE_RESPONDED : PARTIAL;
    }
}
