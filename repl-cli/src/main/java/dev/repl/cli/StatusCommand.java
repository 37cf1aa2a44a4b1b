package dev.repl.cli;

import dev.repl.api.NodeAddress;
import dev.repl.api.client.StatusClient;
import dev.repl.api.client.Unreachable;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code repl status}: a node's view of the cluster, from its admin endpoint. */
@Command(name = "status",
        header = "Show a node's status from its admin endpoint.",
        mixinStandardHelpOptions = true,
        description = {
            "Show a node's status from its admin endpoint (repl node --admin-port): for a leader, one row per",
            "follower with its state, last-ack age, RTT p50/p99, missed heartbeats and reconnects."})
final class StatusCommand implements Callable<Integer> {

    /** Clears the terminal and homes the cursor, as top does between refreshes. */
    private static final String CLEAR = "\033[H\033[2J";

    @Option(names = "--admin", defaultValue = "127.0.0.1:7080", paramLabel = "HOST:PORT", converter = NodeAddressConverter.class,
            description = "The node's admin endpoint. Default: ${DEFAULT-VALUE}.")
    NodeAddress admin;

    @Option(names = "--json", description = "Print GET /status as the node serves it.")
    boolean json;

    @Option(names = "--watch", description = "Refresh in place every --interval until interrupted.")
    boolean watch;

    @Option(names = "--interval", defaultValue = "1s", converter = DurationConverter.class,
            description = "Time between refreshes with --watch. Default: ${DEFAULT-VALUE}.")
    Duration interval;

    @Option(names = "--timeout", defaultValue = "2s", converter = DurationConverter.class,
            description = "How long to wait for the endpoint. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin
    TlsOptions tls;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (!watch && spec.commandLine().getParseResult().hasMatchedOption("--interval")) {
            throw new ParameterException(spec.commandLine(), "--interval applies with --watch only");
        }
        if (interval.isZero() || interval.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--interval must be positive, was " + interval.toMillis() + "ms");
        }
        StatusClient client = new StatusClient(tls.config(), timeout);
        if (!watch) {
            String body = fetch(client);
            if (body == null) {
                return ExitCodes.ERROR;
            }
            out.print(body);
            out.flush();
            return ExitCodes.OK;
        }
        while (!Thread.currentThread().isInterrupted()) {
            String body = fetch(client);
            out.print(CLEAR + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "  " + admin + "  (Ctrl-C to stop)\n\n"
                    + (body == null ? "" : body));
            out.flush();
            Thread.sleep(interval.toMillis()); // a user-facing refresh rate, on the main thread
        }
        return ExitCodes.OK;
    }

    /** @return the body, or null after printing one line that says why there is none */
    private String fetch(StatusClient client) throws InterruptedException {
        try {
            return client.fetch(admin, json);
        } catch (Unreachable e) {
            spec.commandLine().getErr().println("repl: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return null;
        }
    }
}
