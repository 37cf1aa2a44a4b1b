package dev.repl.cli.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code repl bench}: measurements that print figures, never pass/fail verdicts. */
@Command(name = "bench",
        header = "Benchmarks against a baseline measured in the same run.",
        mixinStandardHelpOptions = true,
        description = "Benchmarks. Each prints a table (or JSON with --json) of what it measured.",
        subcommands = {RttBench.class, FanoutBench.class, DetectionBench.class, TlsBench.class, KvBench.class, CatchUpBench.class, FailoverBench.class,
            EmulatedFollowers.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a benchmark is required: rtt, fanout, detection, tls, kv, catchup or failover");
    }
}
