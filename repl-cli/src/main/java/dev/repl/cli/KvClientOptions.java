package dev.repl.cli;

import dev.repl.api.NodeAddress;
import dev.repl.api.client.KvClient;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where the key-value commands send their request, and how long they wait. */
final class KvClientOptions {

    @Option(names = {"--endpoints", "--endpoint"}, defaultValue = "127.0.0.1:8000", split = ",", paramLabel = "HOST:PORT",
            converter = NodeAddressConverter.class,
            description = "Nodes' key-value APIs (repl node --client-port). The request goes to the first; a follower points the way to"
                    + " its leader, and with several, one that cannot be reached or knows no leader is passed over for the next, round"
                    + " and round until --timeout. Default: ${DEFAULT-VALUE}.")
    List<NodeAddress> endpoints;

    @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long to wait for an answer, finding the leader included; a write sent and not answered by then has"
                    + " an unknown outcome. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin
    TlsOptions tls;

    KvClient client() {
        return new KvClient(tls.config(), timeout, endpoints);
    }
}
