package dev.repl.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.repl.api.client.FailureReason;
import dev.repl.protocol.ProtocolException;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/** What each failure a link can meet is called, and that the words a user reads stay as they are. */
class FailureReasonTest {

    @Test
    void nativeErrorsAreClassifiedByTheirErrno() {
        assertEquals(FailureReason.CONNECTION_RESET, FailureReason.of(new Errors.NativeIoException("recvAddress", Errors.ERRNO_ECONNRESET_NEGATIVE)));
        assertEquals(FailureReason.CONNECTION_RESET, FailureReason.of(new Errors.NativeIoException("writevAddresses", Errors.ERRNO_EPIPE_NEGATIVE)));
        assertEquals(FailureReason.UNREACHABLE, FailureReason.of(new Errors.NativeIoException("write", Errors.ERROR_EHOSTUNREACH_NEGATIVE)));
        assertEquals("connection reset", FailureReason.explain(new Errors.NativeIoException("recvAddress", Errors.ERRNO_ECONNRESET_NEGATIVE)));
    }

    @Test
    void typesSayWhatHappened() {
        assertEquals(FailureReason.TIMED_OUT, FailureReason.of(new ConnectTimeoutException("connection timed out after 2000 ms: /10.0.0.1:7001")));
        assertEquals(FailureReason.UNKNOWN_HOST, FailureReason.of(new UnknownHostException("nowhere.invalid")));
        assertEquals(FailureReason.UNREACHABLE, FailureReason.of(new NoRouteToHostException()));
        assertEquals(FailureReason.CLOSED, FailureReason.of(new ClosedChannelException()));
        assertEquals(FailureReason.PROTOCOL_ERROR, FailureReason.of(new ProtocolException("unknown frame type 0x47")));
        assertEquals(FailureReason.REJECTED, FailureReason.of(new HandshakeFailedException(FailureReason.REJECTED, "cluster id mismatch")));
    }

    /** Netty keeps a connect's errno private: the system's own words tell a refusal from a kernel timeout. */
    @Test
    void connectFailuresReadTheSystemsWords() {
        assertEquals(FailureReason.CONNECTION_REFUSED, FailureReason.of(new ConnectException("connect(..) failed: Connection refused")));
        assertEquals(FailureReason.TIMED_OUT, FailureReason.of(new ConnectException("connect(..) failed: Connection timed out")));
        assertEquals(FailureReason.UNREACHABLE, FailureReason.of(new ConnectException("Network is unreachable")));
        assertEquals("connection refused", FailureReason.explain(new ConnectException("connect(..) failed: Connection refused")));
    }

    @Test
    void theJdksNioResetsAreResets() {
        assertEquals(FailureReason.CONNECTION_RESET, FailureReason.of(new SocketException("Connection reset")));
        assertEquals(FailureReason.CONNECTION_RESET, FailureReason.of(new IOException("Broken pipe")));
        assertEquals(FailureReason.OTHER, FailureReason.of(new SocketException("Socket closed")));
    }
}
