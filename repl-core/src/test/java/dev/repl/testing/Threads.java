package dev.repl.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

/** Live threads by name, to check that closing a node ended its event loops. */
public final class Threads {

    private Threads() {
    }

    public static List<String> named(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith(prefix))
                .toList();
    }

    /**
     * Waits, bounded, until no thread named {@code prefix...} is alive. An event loop's
     * termination future completes just before its thread has finished exiting, so a check made
     * at once could see the thread on its way out.
     */
    public static void assertNoneLeft(String prefix) {
        await("threads named " + prefix + "* to end").atMost(Duration.ofSeconds(10)).until(() -> named(prefix).isEmpty());
    }
}
