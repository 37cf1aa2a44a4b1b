package dev.repl.testing;

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
}
