package dev.repl.transport;

import io.netty.handler.ssl.NotSslRecordException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Turns a TLS failure into words a user can act on. The JDK's messages name alerts and PKIX
 * internals; which side failed and why matters more than the exception's class.
 */
final class TlsFailures {

    private TlsFailures() {
    }

    /** @return the TLS exception somewhere in {@code cause}'s chain, or null when it is not a TLS failure */
    static SSLException find(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException ssl) {
                return ssl;
            }
        }
        return null;
    }

    /** Matches the JDK's words and BoringSSL's codes alike: both are lower-cased, and '_' read as ' '. */
    static String describe(SSLException cause) {
        if (cause instanceof NotSslRecordException) {
            return "the peer does not speak TLS (is TLS on at this end only?)";
        }
        String m = cause.getMessage() == null ? "" : cause.getMessage().toLowerCase(Locale.ROOT).replace('_', ' ');
        if (m.contains("alert") && m.contains("certificate required")) {
            return "the peer requires a certificate signed by its CA, and this end had none to send (check --tls-cert against the peer's CA)";
        }
        if (m.contains("empty client certificate chain") || m.contains("null cert chain") || m.contains("peer did not return a certificate")) {
            return "the peer presented no certificate signed by our CA (--tls-ca)";
        }
        if (m.contains("pkix path") || m.contains("certification path") || m.contains("signature check failed")
                || m.contains("certificate verify failed")) {
            return "the peer's certificate is not signed by our CA (--tls-ca)";
        }
        if (m.contains("alert") && (m.contains("certificate unknown") || m.contains("unknown ca")
                || m.contains("bad certificate") || m.contains("decrypt error"))) {
            return "the peer did not accept our certificate (is it signed by the peer's CA?)";
        }
        if (m.contains("closed") && m.contains("handshake")) {
            return "connection closed during the TLS handshake (is TLS on at the peer?)";
        }
        return FailureReason.describe(cause);
    }
}
