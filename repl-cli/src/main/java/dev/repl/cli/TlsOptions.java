package dev.repl.cli;

import dev.repl.api.TlsConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Mutual TLS, shared by every command that talks to a node. Off unless all three files are given. */
public final class TlsOptions {

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "This end's certificate chain. Turns on mutual TLS, with --tls-key and --tls-ca.")
    Path certificate;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "This end's private key (PKCS#8, unencrypted).")
    Path privateKey;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "The CA a peer's certificate must be signed by.")
    Path ca;

    @Option(names = "--tls-provider", defaultValue = "openssl",
            description = "TLS implementation: openssl (BoringSSL, bundled for Linux x86_64; the JDK's elsewhere) or jdk. Default: ${DEFAULT-VALUE}.")
    TlsConfig.Provider provider;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** @return the configuration, or null when TLS is off */
    public TlsConfig config() {
        List<String> missing = new ArrayList<>();
        if (certificate == null) {
            missing.add("--tls-cert");
        }
        if (privateKey == null) {
            missing.add("--tls-key");
        }
        if (ca == null) {
            missing.add("--tls-ca");
        }
        if (missing.size() == 3) {
            if (ConfigFile.given(spec, "--tls-provider")) {
                throw new ParameterException(spec.commandLine(), ConfigFile.named(spec, "--tls-provider") + " applies with --tls-cert, --tls-key and --tls-ca only");
            }
            return null;
        }
        if (!missing.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--tls-cert, --tls-key and --tls-ca go together; missing " + String.join(", ", missing));
        }
        try {
            return new TlsConfig(certificate, privateKey, ca, provider);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

}
