package dev.repl.cli;

import dev.repl.config.NodeAddress;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where the key-value commands send their request, and how long they wait. */
final class KvClientOptions {

    @Option(names = "--endpoint", defaultValue = "127.0.0.1:8000", paramLabel = "HOST:PORT", converter = NodeAddressConverter.class,
            description = "A node's key-value API (repl node --client-port); a follower's points the way to its leader. Default: ${DEFAULT-VALUE}.")
    NodeAddress endpoint;

    @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long to wait for an answer; a write's outcome is then unknown. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin
    TlsOptions tls;

    KvClient client() {
        return new KvClient(tls.config(), timeout);
    }
}
