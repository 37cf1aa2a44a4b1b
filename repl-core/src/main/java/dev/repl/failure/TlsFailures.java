package dev.repl.failure;

import dev.repl.api.client.FailureReason;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslClosedEngineException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Turns a TLS failure into words a user can act on, from what it is rather than what the
 * provider's message says in English:
 * <ul>
 * <li>by type: a certificate the trust manager refused ({@link CertificateException} or a
 *     certificate-path failure among the causes), a peer that does not speak TLS, a connection
 *     closed mid-handshake;</li>
 * <li>by the TLS alert the peer sent, named by its RFC 8446 description: the JDK reports
 *     {@code Received fatal alert: certificate_required}, BoringSSL {@code TLSV1_ALERT_CERTIFICATE_REQUIRED};</li>
 * <li>by BoringSSL's reason code for a local verdict ({@code PEER_DID_NOT_RETURN_A_CERTIFICATE}), and
 *     the JDK's one message for the same verdict, which carries no code.</li>
 * </ul>
 */
public final class TlsFailures {

    /** The alert description either provider names, in either case. */
    private static final Pattern ALERT = Pattern.compile("(?i)(?:received fatal alert: |(?:SSLV3|TLSV1|TLSV13)_ALERT_)([a-z_]+)");
    /** Alerts a peer sends when it will not take the certificate it was shown. */
    private static final Set<String> REFUSED_CERTIFICATE = Set.of("bad_certificate", "certificate_unknown", "unknown_ca", "decrypt_error",
            "unsupported_certificate", "certificate_expired", "certificate_revoked", "access_denied");
    /** BoringSSL's reason code, and the JDK's message, for a peer that sent no certificate where one was required. */
    private static final String BORINGSSL_NO_PEER_CERTIFICATE = "PEER_DID_NOT_RETURN_A_CERTIFICATE";
    private static final String JDK_NO_PEER_CERTIFICATE = "Empty client certificate chain";

    static final String NOT_TLS = "the peer does not speak TLS (is TLS on at this end only?)";
    static final String WE_SENT_NONE = "the peer requires a certificate signed by its CA, and this end had none to send (check --tls-cert against the peer's CA)";
    static final String PEER_SENT_NONE = "the peer presented no certificate signed by our CA (--tls-ca)";
    static final String PEER_UNTRUSTED = "the peer's certificate is not signed by our CA (--tls-ca)";
    static final String WE_ARE_REFUSED = "the peer did not accept our certificate (is it signed by the peer's CA?)";
    static final String CLOSED = "connection closed during the TLS handshake (is TLS on at the peer?)";

    private TlsFailures() {
    }

    /** @return the TLS exception somewhere in {@code cause}'s chain, or null when it is not a TLS failure */
    public static SSLException find(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException ssl) {
                return ssl;
            }
        }
        return null;
    }

    public static String describe(SSLException failure) {
        if (failure instanceof NotSslRecordException) {
            return NOT_TLS;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CertificateException || t instanceof CertPathValidatorException || t instanceof CertPathBuilderException) {
                return PEER_UNTRUSTED;
            }
            if (t instanceof SslClosedEngineException || t instanceof ClosedChannelException) {
                return CLOSED;
            }
        }
        String message = String.valueOf(failure.getMessage());
        Matcher alert = ALERT.matcher(message);
        if (alert.find()) {
            String description = alert.group(1).toLowerCase(Locale.ROOT);
            if (description.equals("certificate_required")) {
                return WE_SENT_NONE;
            }
            if (REFUSED_CERTIFICATE.contains(description)) {
                return WE_ARE_REFUSED;
            }
            return "the peer ended the handshake with TLS alert " + description;
        }
        if (message.contains(BORINGSSL_NO_PEER_CERTIFICATE) || message.equals(JDK_NO_PEER_CERTIFICATE)) {
            return PEER_SENT_NONE;
        }
        return FailureReason.describe(failure);
    }
}
