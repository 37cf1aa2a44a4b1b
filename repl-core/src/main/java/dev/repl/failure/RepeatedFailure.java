package dev.repl.failure;

import org.slf4j.Logger;

/**
 * Reports the failures of one thing that keeps running after them (a periodic task, a listener):
 * the first at WARN with its stack trace, the later ones at DEBUG with their count, so a task that
 * fails on every tick cannot flood the log, nor fail unseen. Not thread-safe; each owner uses its
 * own on one thread.
 */
public final class RepeatedFailure {

    private final Logger log;
    private final String what;
    private long count;

    /** @param what what failed, as the log names it: {@code "leader: heartbeat tick for follower-1"} */
    public RepeatedFailure(Logger log, String what) {
        this.log = log;
        this.what = what;
    }

    public void failed(Throwable cause) {
        count++;
        if (count == 1) {
            log.warn("{} failed, and keeps running (later failures are logged at debug level): {}", what, cause.toString(), cause);
        } else {
            log.debug("{} failed again ({} times so far): {}", what, count, cause.toString());
        }
    }

    public long count() {
        return count;
    }

    /**
     * A task for {@code scheduleAtFixedRate}, which stops a task that throws without a word: this
     * one reports an exception and runs again at the next tick. An {@link Error} (out of memory,
     * a stack overflow) is logged and passed on: the JVM is not in a state to go on as if nothing
     * happened.
     */
    public static Runnable guard(Logger log, String what, Runnable task) {
        RepeatedFailure failures = new RepeatedFailure(log, what);
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                failures.failed(e);
            } catch (Error e) {
                log.error("{} failed and stops: {}", what, e.toString(), e);
                throw e;
            }
        };
    }
}
