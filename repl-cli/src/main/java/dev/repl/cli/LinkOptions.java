package dev.repl.cli;

import dev.repl.api.NodeConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What a peer link requires, for the commands that open or accept one: the cluster, and TLS. */
final class LinkOptions {

    @Option(names = "--cluster-id", defaultValue = NodeConfig.DEFAULT_CLUSTER_ID,
            description = "The cluster this node belongs to; peers of another cluster are refused at hello. Default: ${DEFAULT-VALUE}.")
    String clusterId;

    @Mixin
    TlsOptions tls;
}
