package dev.repl.cli.bench;

import java.util.concurrent.Callable;

/**
 * A {@code repl bench} subcommand found on the class path at run time ({@link java.util.ServiceLoader}):
 * a picocli {@code @Command} that prints figures and returns an exit code. The benchmarks that
 * measure below the public API (the raw link, emulated followers, the failure detectors' own
 * events) live in {@code repl-bench-raw} and come in this way, so that {@code repl-cli} itself
 * is built on the public API alone.
 */
public interface Benchmark extends Callable<Integer> {
}
