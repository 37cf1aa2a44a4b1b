package dev.repl.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.RunLast;

/** Builds the {@code repl} command line, with its output streams injectable for in-process tests. */
public final class ReplCli {

    private ReplCli() {
    }

    public static CommandLine create(PrintWriter out, PrintWriter err) {
        ErrorHandler errors = new ErrorHandler();
        CommandLine cli = new CommandLine(new ReplCommand())
                .setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(errors)
                .setExecutionExceptionHandler(errors)
                .setExecutionStrategy(configureLoggingThen(new RunLast()));
        return cli;
    }

    /** Runs a command line and returns its exit code, flushing both streams. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        try {
            return create(out, err).execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static IExecutionStrategy configureLoggingThen(IExecutionStrategy next) {
        return parseResult -> {
            Logging.configure(isVerbose(parseResult), isNode(parseResult) ? "info" : "warn");
            return next.execute(parseResult);
        };
    }

    static boolean isVerbose(ParseResult parseResult) {
        return ((ReplCommand) parseResult.commandSpec().root().userObject()).verbose;
    }

    /** Long-running nodes log their life at info; one-shot commands only warnings, as their results go to stdout. */
    private static boolean isNode(ParseResult parseResult) {
        ParseResult last = parseResult;
        while (last.hasSubcommand()) {
            last = last.subcommand();
        }
        return last.commandSpec().userObject() instanceof NodeCommand;
    }
}
