package dev.repl.cli.bench;

import java.util.List;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code repl bench}: measurements that print figures, never pass/fail verdicts. The write-path
 * benchmarks are here; those below the public API are {@link Benchmark}s found on the class path.
 */
@Command(name = "bench",
        header = "Benchmarks against a baseline measured in the same run.",
        mixinStandardHelpOptions = true,
        description = "Benchmarks. Each prints a table (or JSON with --json) of what it measured.",
        subcommands = {KvBench.class, CatchUpBench.class, FailoverBench.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** {@code repl bench} with every benchmark: its own, then each one found on the class path. */
    public static CommandLine commandLine() {
        CommandLine bench = new CommandLine(new BenchCommand());
        for (Benchmark found : ServiceLoader.load(Benchmark.class)) {
            bench.addSubcommand(found);
        }
        return bench;
    }

    @Override
    public void run() {
        List<String> names = spec.subcommands().values().stream()
                .filter(sub -> !sub.getCommandSpec().usageMessage().hidden())
                .map(CommandLine::getCommandName)
                .toList();
        String choices = names.size() == 1 ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        throw new ParameterException(spec.commandLine(), "a benchmark is required: " + choices);
    }
}
