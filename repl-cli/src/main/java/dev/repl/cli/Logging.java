package dev.repl.cli;

/**
 * Sets up the SLF4J simple binding before the first logger exists. It reads only system
 * properties and {@code simplelogger.properties}; a level given with -D on the command line wins.
 */
final class Logging {

    private static final String PREFIX = "org.slf4j.simpleLogger.";

    private Logging() {
    }

    /** @param level the level when neither --verbose nor -D says otherwise */
    static void configure(boolean verbose, String level) {
        if (verbose) {
            System.setProperty(PREFIX + "defaultLogLevel", "debug");
            System.setProperty(PREFIX + "showThreadName", "true");
            System.setProperty(PREFIX + "showShortLogName", "true");
        } else {
            System.getProperties().putIfAbsent(PREFIX + "defaultLogLevel", level);
        }
    }
}
