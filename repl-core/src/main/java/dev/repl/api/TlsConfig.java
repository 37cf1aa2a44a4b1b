package dev.repl.api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Mutual TLS for every link a node has: its certificate chain and private key (PEM, PKCS#8) and
 * the CA every peer's certificate must chain to. Validated once: the files exist and can be read.
 *
 * @param provider which TLS implementation runs the handshakes
 */
public record TlsConfig(Path certificate, Path privateKey, Path ca, Provider provider) {

    /**
     * The JDK's own TLS, or BoringSSL through netty-tcnative. Where BoringSSL cannot load (no
     * netty-tcnative on the class path, another OS or CPU), OPENSSL falls back to the JDK.
     */
    public enum Provider { JDK, OPENSSL }

    /** Chosen by measurement: about 4x faster handshakes and a quarter off the round trip; see docs/performance.md. */
    public static final Provider DEFAULT_PROVIDER = Provider.OPENSSL;

    public TlsConfig {
        readable("TLS certificate", certificate);
        readable("TLS private key", privateKey);
        readable("TLS CA certificate", ca);
        Objects.requireNonNull(provider, "provider");
    }

    public TlsConfig(Path certificate, Path privateKey, Path ca) {
        this(certificate, privateKey, ca, DEFAULT_PROVIDER);
    }

    private static void readable(String what, Path file) {
        Objects.requireNonNull(file, what);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + " " + file + ": no such file");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(what + " " + file + ": not readable");
        }
    }
}
