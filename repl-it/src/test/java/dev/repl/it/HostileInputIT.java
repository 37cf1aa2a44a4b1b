package dev.repl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A follower's port is open to anyone; bad input must cost only the connection it came on. */
class HostileInputIT {

    private static final Duration START = Duration.ofSeconds(30);

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void garbageFrameIsLoggedAndClosesOnlyThatSocket() throws Exception {
        int port = ReplLauncher.freePort();
        ReplProcess follower = repl.start("node", "--role", "follower", "--port", Integer.toString(port), "--name", "follower-1")
                .awaitLog("listening on", START);
        try (Socket garbage = new Socket(InetAddress.getLoopbackAddress(), port)) {
            garbage.getOutputStream().write(new byte[] {'G', 'E', 'T', ' '});
            garbage.getOutputStream().flush();
            garbage.setSoTimeout(10_000);
            assertEquals(-1, garbage.getInputStream().read(), "the follower closes the offending connection");
        }
        follower.awaitLog("follower-1: protocol error from", START).awaitLog("unknown frame type 0x47 in frame 47 45 54 20", START);

        ReplProcess check = repl.run(START, "heartbeat", "--followers", "127.0.0.1:" + port, "--timeout", "10s");
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
    }

    @Test
    void halfFrameFollowedBySilenceDoesNotDisturbOtherConnections() throws Exception {
        int port = ReplLauncher.freePort();
        repl.start("node", "--role", "follower", "--port", Integer.toString(port)).awaitLog("listening on", START);
        try (Socket half = new Socket(InetAddress.getLoopbackAddress(), port);
             Socket honest = new Socket(InetAddress.getLoopbackAddress(), port)) {
            half.getOutputStream().write(new byte[] {0x48, 0x00});
            half.getOutputStream().flush();

            honest.setSoTimeout(10_000);
            OutputStream out = honest.getOutputStream();
            InputStream in = honest.getInputStream();
            out.write(new byte[] {0x48, 0x00, 0x00, 0x2a});
            out.flush();
            assertEquals(0x4100002a, readInt(in), "an ack with the same sequence number");

            ReplProcess check = repl.run(START, "heartbeat", "--followers", "127.0.0.1:" + port, "--timeout", "10s");
            assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        }
    }

    private static int readInt(InputStream in) throws Exception {
        byte[] b = in.readNBytes(4);
        assertEquals(4, b.length, "a whole frame");
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
    }
}
