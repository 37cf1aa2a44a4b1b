package dev.repl.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top-level {@code repl} command. It only dispatches to its subcommands, which {@link ReplCli} adds. */
@Command(name = "repl",
        header = "Leader-follower replication over TCP.",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Leader-follower replication over TCP: run nodes and check that followers answer heartbeats.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success; every follower responded",
            "1:some followers did not respond",
            "2:no follower responded",
            "3:the command failed (for example, its port was taken, or an admin endpoint did not answer)",
            "64:invalid usage"})
final class ReplCommand implements Runnable {

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Log at debug level and print stack traces with errors.")
    boolean verbose;

    @Option(names = "--log-format", scope = ScopeType.INHERIT, defaultValue = "text", paramLabel = "text|json",
            description = "Log lines on stderr as text, or as one JSON object per line (time, level, node, event and its fields). Default: ${DEFAULT-VALUE}.")
    Logging.Format logFormat;

    @Spec
    CommandSpec spec;

    /** These options as a child process's command line repeats them. */
    List<String> inheritedOptions() {
        List<String> options = new ArrayList<>();
        if (verbose) {
            options.add("--verbose");
        }
        if (logFormat != Logging.Format.text) {
            options.addAll(List.of("--log-format", logFormat.name()));
        }
        return options;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required: node, heartbeat, status, put, get, cas, del or demo");
    }
}
