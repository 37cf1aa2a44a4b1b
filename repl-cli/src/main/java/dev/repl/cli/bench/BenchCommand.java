package dev.repl.cli.bench;

import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
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
        description = "Benchmarks. Each prints a table (or JSON with --json) of what it measured.")
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /**
     * {@code repl bench} with every benchmark: those found on the class path (the link's, first,
     * as ever), then the write path's. A provider that cannot be loaded is named on stderr and
     * left out, so that it cannot take {@code repl --help} down with it.
     */
    public static CommandLine commandLine() {
        CommandLine bench = new CommandLine(new BenchCommand());
        Iterator<Benchmark> found = ServiceLoader.load(Benchmark.class, BenchCommand.class.getClassLoader()).iterator();
        while (found.hasNext()) {
            try {
                bench.addSubcommand(found.next());
            } catch (ServiceConfigurationError e) {
                System.err.println("repl: a benchmark was left out: " + e.getMessage());
            }
        }
        for (Object own : List.of(new KvBench(), new CatchUpBench(), new FailoverBench())) {
            bench.addSubcommand(own);
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
