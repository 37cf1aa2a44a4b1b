package dev.repl.api.client;

import dev.repl.failure.HandshakeFailedException;
import dev.repl.failure.TlsFailures;
import dev.repl.protocol.ProtocolException;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Why a peer did not answer, in the words a user sees. */
public enum FailureReason {
    CONNECTION_REFUSED("connection refused"),
    TIMED_OUT("timed out"),
    CONNECTION_RESET("connection reset"),
    CLOSED("connection closed by peer"),
    PROTOCOL_ERROR("protocol error"),
    TLS_FAILED("TLS failure"),
    REJECTED("rejected by peer"),
    UNREACHABLE("unreachable"),
    UNKNOWN_HOST("unknown host"),
    OTHER("failed");

    /** What Netty's native transport puts before the OS message: {@code bind(..) failed with error(-98): }. */
    private static final Pattern NATIVE_CALL_PREFIX = Pattern.compile("^\\w+\\(\\.\\.\\) failed[^:]*: ");

    private final String text;

    FailureReason(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    /**
     * Classifies by type first: this project's own exceptions, TLS, Netty's connect timeout, the
     * JDK's unknown-host and no-route exceptions, a closed channel, and the native transport's
     * {@link Errors.NativeIoException}, which carries the errno of the call that failed. Two cases
     * carry no type that says enough, and fall back to the operating system's own error text
     * (strerror, not prose of ours): a {@link ConnectException}, whose errno Netty keeps private
     * (refused, or a kernel timeout), and the JDK's NIO transport — used only where epoll is
     * not — which reports a reset or a broken pipe as a bare {@link IOException}.
     */
    public static FailureReason of(Throwable cause) {
        if (cause instanceof HandshakeFailedException handshake) {
            return handshake.reason();
        }
        if (TlsFailures.find(cause) != null) {
            return TLS_FAILED;
        }
        if (cause instanceof ProtocolException) {
            return PROTOCOL_ERROR;
        }
        if (cause instanceof ConnectTimeoutException || cause instanceof SocketTimeoutException) {
            return TIMED_OUT;
        }
        if (cause instanceof UnknownHostException) {
            return UNKNOWN_HOST;
        }
        if (cause instanceof NoRouteToHostException) {
            return UNREACHABLE;
        }
        if (cause instanceof ClosedChannelException) {
            return CLOSED;
        }
        if (cause instanceof Errors.NativeIoException nativeError) {
            int errno = nativeError.expectedErr();
            if (errno == Errors.ERRNO_ECONNRESET_NEGATIVE || errno == Errors.ERRNO_EPIPE_NEGATIVE) {
                return CONNECTION_RESET;
            }
            if (errno == Errors.ERROR_ENETUNREACH_NEGATIVE || errno == Errors.ERROR_EHOSTUNREACH_NEGATIVE) {
                return UNREACHABLE;
            }
            return fromSystemText(cause.getMessage());
        }
        if (cause instanceof ConnectException || cause instanceof SocketException || cause != null && cause.getClass() == IOException.class) {
            return fromSystemText(cause.getMessage());
        }
        return OTHER;
    }

    /** The operating system's error text, as strerror words it: ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH. */
    private static FailureReason fromSystemText(String message) {
        String m = lower(message);
        if (m.contains("connection refused")) {
            return CONNECTION_REFUSED;
        }
        if (m.contains("connection reset") || m.contains("broken pipe")) {
            return CONNECTION_RESET;
        }
        if (m.contains("timed out")) {
            return TIMED_OUT;
        }
        if (m.contains("unreachable")) {
            return UNREACHABLE;
        }
        return OTHER;
    }

    /**
     * The reason, and for the reasons whose text alone does not say enough the detail, in one
     * line: {@code connection refused}, {@code TLS failure: the peer did not trust our certificate},
     * {@code rejected by peer: cluster id mismatch: peer expected a1f3, we sent 07c2}.
     */
    public static String explain(Throwable cause) {
        FailureReason reason = of(cause);
        String detail;
        if (cause instanceof HandshakeFailedException) {
            detail = cause.getMessage();
        } else {
            detail = switch (reason) {
                case TLS_FAILED -> TlsFailures.describe(TlsFailures.find(cause));
                case PROTOCOL_ERROR, OTHER -> describe(cause);
                default -> null;
            };
        }
        return detail == null ? reason.text() : reason.text() + (reason == CLOSED ? " " : ": ") + detail;
    }

    /**
     * A short lower-case summary of an I/O failure, without the native call names Netty
     * puts in front ({@code "connect(..) failed: "}).
     */
    public static String describe(Throwable cause) {
        String message = cause.getMessage();
        if (message == null || message.isBlank()) {
            return cause.getClass().getSimpleName();
        }
        message = NATIVE_CALL_PREFIX.matcher(message).replaceFirst("");
        boolean acronym = message.length() > 1 && Character.isUpperCase(message.charAt(1));
        return acronym ? message : lower(message.substring(0, 1)) + message.substring(1);
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }
}
