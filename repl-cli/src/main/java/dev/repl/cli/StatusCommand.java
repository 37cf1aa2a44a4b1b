package dev.repl.cli;

import dev.repl.config.NodeAddress;
import dev.repl.config.TlsConfig;
import dev.repl.failure.FailureReason;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
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

    private TlsConfig tlsConfig;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (!watch && spec.commandLine().getParseResult().hasMatchedOption("--interval")) {
            throw new ParameterException(spec.commandLine(), "--interval applies with --watch only");
        }
        if (interval.isZero() || interval.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--interval must be positive, was " + interval.toMillis() + "ms");
        }
        tlsConfig = tls.config();
        HttpClient client = HttpClients.of(tlsConfig, timeout, "status");
        URI uri = URI.create((tlsConfig != null ? "https://" : "http://") + admin + "/status" + (json ? "" : "?format=text"));
        if (!watch) {
            String body = fetch(client, uri);
            if (body == null) {
                return ExitCodes.ERROR;
            }
            out.print(body);
            out.flush();
            return ExitCodes.OK;
        }
        while (!Thread.currentThread().isInterrupted()) {
            String body = fetch(client, uri);
            out.print(CLEAR + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "  " + admin + "  (Ctrl-C to stop)\n\n"
                    + (body == null ? "" : body));
            out.flush();
            Thread.sleep(interval.toMillis()); // a user-facing refresh rate, on the main thread
        }
        return ExitCodes.OK;
    }

    /** @return the body, or null after printing one line that says why there is none */
    private String fetch(HttpClient client, URI uri) throws InterruptedException {
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                error(uri, "HTTP " + response.statusCode());
                return null;
            }
            return response.body();
        } catch (HttpTimeoutException e) {
            error(uri, "timed out after " + timeout.toMillis() + " ms");
            return null;
        } catch (ConnectException e) {
            // The JDK's client gives no message here; a refused connection is by far the likeliest.
            error(uri, "cannot connect (is the node running with --admin-port " + admin.port() + "?)");
            return null;
        } catch (IOException e) {
            if (tlsConfig == null && String.valueOf(e.getMessage()).contains("received no bytes")) {
                // What an HTTPS endpoint does with a plain HTTP request: close without a word.
                error(uri, "closed without an answer (does the node use TLS? then pass --tls-cert, --tls-key and --tls-ca)");
                return null;
            }
            error(uri, FailureReason.explain(e));
            return null;
        }
    }

    private void error(URI uri, String why) {
        spec.commandLine().getErr().println("repl: cannot read " + uri + ": " + why);
        spec.commandLine().getErr().flush();
    }
}
