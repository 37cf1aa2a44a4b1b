package dev.repl.transport;

import dev.repl.protocol.ProtocolException;
import io.netty.channel.ConnectTimeoutException;
import java.net.NoRouteToHostException;
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
    UNREACHABLE("unreachable"),
    UNKNOWN_HOST("unknown host"),
    PROCESS_EXITED("process exited"),
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

    public static FailureReason of(Throwable cause) {
        if (cause instanceof ProtocolException) {
            return PROTOCOL_ERROR;
        }
        if (cause instanceof ConnectTimeoutException) {
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
        String message = lower(cause.getMessage());
        if (message.contains("connection refused")) {
            return CONNECTION_REFUSED;
        }
        if (message.contains("connection reset") || message.contains("broken pipe")) {
            return CONNECTION_RESET;
        }
        if (message.contains("timed out")) {
            return TIMED_OUT;
        }
        if (message.contains("unreachable")) {
            return UNREACHABLE;
        }
        return OTHER;
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
        return lower(message.substring(0, 1)) + message.substring(1);
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }
}
