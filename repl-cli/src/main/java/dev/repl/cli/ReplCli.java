package dev.repl.cli;

import dev.repl.cli.bench.BenchCommand;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.RunLast;

/** Builds the {@code repl} command line, with its output streams injectable for in-process tests. */
public final class ReplCli {

    private ReplCli() {
    }

    /** Every subcommand, in the order {@code repl --help} lists them. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("node", NodeCommand::new);
        SUBCOMMANDS.put("heartbeat", HeartbeatCommand::new);
        SUBCOMMANDS.put("status", StatusCommand::new);
        SUBCOMMANDS.put("put", PutCommand::new);
        SUBCOMMANDS.put("get", GetCommand::new);
        SUBCOMMANDS.put("cas", CasCommand::new);
        SUBCOMMANDS.put("del", DelCommand::new);
        SUBCOMMANDS.put("demo", DemoCommand::new);
        SUBCOMMANDS.put("bench", BenchCommand::commandLine);
        SUBCOMMANDS.put("selftest", SelfTestCommand::new);
    }

    /** The full command line, every subcommand included. */
    public static CommandLine create(PrintWriter out, PrintWriter err) {
        return create(out, err, SUBCOMMANDS.keySet());
    }

    /**
     * The command line for {@code args}: only the subcommand they name is built, because picocli
     * reads every option of every command it is given by reflection, and a one-shot command
     * should not pay for the others. Without a subcommand name (help, version, a typo) all are built.
     */
    static CommandLine forArgs(PrintWriter out, PrintWriter err, String... args) {
        for (String arg : args) {
            if (!arg.startsWith("-")) {
                return create(out, err, SUBCOMMANDS.containsKey(arg) ? Set.of(arg) : SUBCOMMANDS.keySet());
            }
        }
        return create(out, err, SUBCOMMANDS.keySet());
    }

    private static CommandLine create(PrintWriter out, PrintWriter err, Set<String> subcommands) {
        ErrorHandler errors = new ErrorHandler();
        CommandLine cli = new CommandLine(new ReplCommand());
        for (Map.Entry<String, Supplier<Object>> sub : SUBCOMMANDS.entrySet()) {
            if (subcommands.contains(sub.getKey())) {
                cli.addSubcommand(sub.getValue().get());
            }
        }
        cli
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
            CommandLine cli = forArgs(out, err, args);
            ConfigFile.install(cli, args);
            return cli.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static IExecutionStrategy configureLoggingThen(IExecutionStrategy next) {
        return parseResult -> {
            // --help and --version log nothing: they need not pay for starting the logging library.
            Integer helpExit = CommandLine.executeHelpRequest(parseResult);
            if (helpExit != null) {
                return helpExit;
            }
            ReplCommand root = (ReplCommand) parseResult.commandSpec().root().userObject();
            Logging.configure(root.logFormat, root.verbose, isNode(parseResult) ? "info" : "warn");
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
