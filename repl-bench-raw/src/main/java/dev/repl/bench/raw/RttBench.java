package dev.repl.bench.raw;

import dev.repl.cli.DurationConverter;
import dev.repl.cli.ExitCodes;
import dev.repl.cli.Json;
import dev.repl.cli.bench.Benchmark;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code repl bench rtt}: heartbeat round-trip time over loopback, one outstanding heartbeat at a
 * time, after a warm-up; with {@code --baseline}, the same ping-pong over plain blocking sockets
 * in the same run, and the ratio of the two per percentile.
 */
@Command(name = "rtt",
        header = "Measure heartbeat round trips against raw sockets.",
        mixinStandardHelpOptions = true,
        description = {
            "Ping-pong 4-byte heartbeats between a leader pipeline and a follower in this process and report",
            "round-trip percentiles, over --connections at once, for --duration or --count round trips. --baseline adds",
            "plain blocking sockets (TCP_NODELAY, one thread per side) and the Netty/raw ratio per percentile."})
public final class RttBench implements Benchmark {

    @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
            description = "Measured time per transport, after the warm-up. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.class,
            description = "Unrecorded time first, so the JIT has compiled the path. Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--count", description = "Stop each transport after this many measured round trips (instead of --duration).")
    Long count;

    @Option(names = "--connections", defaultValue = "1",
            description = "Ping-pongs at once, each on its own connection (raw: a thread pair each). Default: ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = "--baseline", description = "Also measure raw blocking sockets, and print the ratio.")
    boolean baseline;

    @Option(names = "--json", description = "Print the results as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (connections < 1 || connections > 256) {
            throw new ParameterException(spec.commandLine(), "--connections must be 1-256");
        }
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1");
        }
        PrintWriter err = spec.commandLine().getErr();
        RttStats netty = measure("netty", err, sampler -> NettyPingPong.run(sampler, connections));
        RttStats raw = baseline ? measure("raw", err, sampler -> RawSocketPingPong.run(sampler, connections)) : null;
        print(spec.commandLine().getOut(), netty, raw);
        return ExitCodes.OK;
    }

    private interface PingPong {
        void run(RttSampler sampler) throws Exception;
    }

    private RttStats measure(String name, PrintWriter err, PingPong transport) throws Exception {
        err.printf("rtt: %s over %d connection(s), %d s warm-up + %s%n", name, connections, warmup.toSeconds(),
                count != null ? count + " round trips" : duration.toSeconds() + " s");
        err.flush();
        int[] seconds = {0};
        RttSampler sampler = new RttSampler(warmup.toNanos(), count != null ? Long.MAX_VALUE : duration.toNanos(),
                count != null ? count : Long.MAX_VALUE, () -> {
                    err.printf("  %s %d s%n", name, ++seconds[0]);
                    err.flush();
                });
        transport.run(sampler);
        return RttStats.of(name, sampler.histogram(), sampler.recordedSeconds());
    }

    void print(PrintWriter out, RttStats netty, RttStats raw) {
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("netty", netty.row());
            if (raw != null) {
                result.put("raw", raw.row());
                result.put("ratio", netty.ratio(raw).ratioRow());
            }
            out.print(Json.line(result));
        } else {
            String row = "%-12s %10s %9s %9s %9s %9s %9s%n";
            out.printf(row, "transport", "rtt/s", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us");
            row(out, netty);
            if (raw != null) {
                row(out, raw);
                RttStats ratio = netty.ratio(raw);
                out.printf("%-12s %10s %9.2f %9.2f %9.2f %9.2f %9.2f%n", "netty/raw", "", ratio.p50(), ratio.p90(), ratio.p99(), ratio.p999(), ratio.max());
            }
        }
        out.flush();
    }

    private static void row(PrintWriter out, RttStats s) {
        out.printf("%-12s %10.0f %9.1f %9.1f %9.1f %9.1f %9.1f%n", s.transport(), s.perSecond(), s.p50(), s.p90(), s.p99(), s.p999(), s.max());
    }
}
