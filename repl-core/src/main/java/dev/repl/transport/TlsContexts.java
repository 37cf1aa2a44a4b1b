package dev.repl.transport;

import dev.repl.api.TlsConfig;
import dev.repl.api.client.FailureReason;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two TLS contexts a node needs, built once from its {@link TlsConfig}: one for the
 * connections it accepts, which demands a client certificate, and one for the connections it
 * opens, which presents its certificate and checks the peer's. Both trust only the configured CA.
 *
 * <p>Peers are not checked against a host name: membership is having a certificate from the
 * cluster's CA, as with etcd's {@code --peer-client-cert-auth}. So the CA must be the cluster's own.
 */
public final class TlsContexts {

    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
    private static final String[] PROTOCOLS = {"TLSv1.3"};

    private final SslContext server;
    private final SslContext client;

    /** Contexts built elsewhere; {@link #load} is how a node builds its own. */
    public TlsContexts(SslContext server, SslContext client) {
        this.server = server;
        this.client = client;
    }

    /** @throws IllegalArgumentException naming the file when a certificate or key cannot be used */
    public static TlsContexts load(TlsConfig config) {
        SslProvider provider = provider(config.provider());
        File cert = config.certificate().toFile();
        File key = config.privateKey().toFile();
        File ca = config.ca().toFile();
        try {
            SslContext server = SslContextBuilder.forServer(cert, key)
                    .trustManager(ca).clientAuth(ClientAuth.REQUIRE)
                    .sslProvider(provider).protocols(PROTOCOLS).build();
            SslContext client = SslContextBuilder.forClient()
                    .keyManager(cert, key).trustManager(ca).endpointIdentificationAlgorithm(null)
                    .sslProvider(provider).protocols(PROTOCOLS).build();
            return new TlsContexts(server, client);
        } catch (SSLException | IllegalArgumentException e) {
            throw unusable(config, e);
        }
    }

    /** The provider that will run the handshakes for {@code wanted} on this machine. */
    public static TlsConfig.Provider effective(TlsConfig.Provider wanted) {
        return wanted == TlsConfig.Provider.OPENSSL && OpenSsl.isAvailable() ? TlsConfig.Provider.OPENSSL : TlsConfig.Provider.JDK;
    }

    private static SslProvider provider(TlsConfig.Provider wanted) {
        if (effective(wanted) == TlsConfig.Provider.OPENSSL) {
            return SslProvider.OPENSSL;
        }
        if (wanted == TlsConfig.Provider.OPENSSL) {
            log.info("OpenSSL is not available here ({}); using the JDK's TLS", FailureReason.describe(OpenSsl.unavailabilityCause()));
        }
        return SslProvider.JDK;
    }

    private static IllegalArgumentException unusable(TlsConfig config, Exception e) {
        return new IllegalArgumentException("cannot use TLS certificate " + config.certificate() + ", key " + config.privateKey()
                + " and CA " + config.ca() + ": " + FailureReason.describe(rootOf(e)), e);
    }

    private static Throwable rootOf(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * A JDK {@link SSLContext} with this end's certificate and the CA, for clients that are not
     * built on Netty, such as {@code java.net.http.HttpClient}.
     */
    public static SSLContext jdkClientContext(TlsConfig config) {
        try {
            SslContext context = SslContextBuilder.forClient()
                    .keyManager(config.certificate().toFile(), config.privateKey().toFile())
                    .trustManager(config.ca().toFile())
                    .sslProvider(SslProvider.JDK).protocols(PROTOCOLS).build();
            return ((JdkSslContext) context).context();
        } catch (SSLException | IllegalArgumentException e) {
            throw unusable(config, e);
        }
    }

    /** For connections this node accepts. */
    public SslContext server() {
        return server;
    }

    /** For connections this node opens. */
    public SslContext client() {
        return client;
    }
}
