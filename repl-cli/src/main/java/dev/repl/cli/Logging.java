package dev.repl.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.LoggerFactory;

/**
 * Logback's set-up: logs go to stderr (stdout carries only a command's results), as text or as one
 * JSON object per line. Logback finds this class through {@code META-INF/services} before looking
 * for any file, so a start pays for no XML; {@link #configure} then sets what the command line asks.
 */
public final class Logging extends ContextAwareBase implements Configurator {

    /** The logger context property that names this node in every JSON line. */
    static final String NODE = "node";

    /**
     * A level set with {@code -Drepl.log.level} wins over the command's own: a command's child
     * processes (the demo's followers) log at their parent's level, not a node's.
     */
    static final String LEVEL_PROPERTY = "repl.log.level";

    /** The format of each line. */
    public enum Format { text, json }

    private static final String TEXT = "%d{HH:mm:ss.SSS} %level %msg%n";
    private static final String VERBOSE_TEXT = "%d{HH:mm:ss.SSS} [%thread] %level %logger{0} - %msg%n";

    /** Before the command line is read: text, warnings only. */
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        install(context, Format.text, false, Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** @param level the level when --verbose does not ask for debug */
    static void configure(Format format, boolean verbose, String level) {
        String given = System.getProperty(LEVEL_PROPERTY);
        Level chosen = verbose ? Level.DEBUG : Level.toLevel(given != null ? given : level, Level.INFO);
        LoggerContext context = context();
        if (format == Format.text && !verbose) {
            // The start-up configuration already writes these lines: only the level differs.
            context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(chosen);
        } else {
            install(context, format, verbose, chosen);
        }
    }

    /** The level this process logs at. */
    static String level() {
        return context().getLogger(Logger.ROOT_LOGGER_NAME).getLevel().toString();
    }

    /** Names the node in JSON lines, once it has a name. */
    static void node(String name) {
        context().putProperty(NODE, name);
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }

    private static void install(LoggerContext context, Format format, boolean verbose, Level level) {
        Encoder<ILoggingEvent> encoder;
        if (format == Format.json) {
            encoder = new JsonLogEncoder(verbose);
        } else {
            PatternLayoutEncoder pattern = new PatternLayoutEncoder();
            pattern.setPattern(verbose ? VERBOSE_TEXT : TEXT);
            encoder = pattern;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setContext(context);
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(stderr);
        root.setLevel(level);
        // Netty's own debug lines (allocator settings, native library probing) are noise even with --verbose.
        context.getLogger("io.netty").setLevel(Level.WARN);
    }
}
