package dev.repl.cli;

import dev.repl.handshake.ClusterId;
import dev.repl.transport.LinkSecurity;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** What a peer link requires, for the commands that open or accept one: the cluster, and TLS. */
final class LinkOptions {

    @Option(names = "--cluster-id", defaultValue = ClusterId.DEFAULT_NAME,
            description = "The cluster this node belongs to; peers of another cluster are refused at hello. Default: ${DEFAULT-VALUE}.")
    String clusterId;

    @Mixin
    TlsOptions tls;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    LinkSecurity security(String who) {
        ClusterId cluster;
        try {
            cluster = ClusterId.of(clusterId);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--cluster-id: " + e.getMessage());
        }
        return new LinkSecurity(cluster, tls.load(who));
    }
}
