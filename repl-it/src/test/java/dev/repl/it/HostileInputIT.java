package dev.repl.it;

import static dev.repl.it.Cluster.START;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A follower's port is open to anyone; bad input must cost only the connection it came on. */
class HostileInputIT {

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
            out.write(new byte[] {0x4a, 0x01, (byte) 0xa2, 0x19, 0x48, 0x00, 0x00, 0x2a});
            out.flush();
            assertEquals(0x4101a219, readInt(in), "the hello is accepted");
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

    @Test
    void connectionFloodIsCappedWhileTheLeaderKeepsTheFollowerUp() throws Exception {
        Cluster cluster = new Cluster(repl, 1).followerArgs("--max-connections", "100").start();
        ReplProcess follower = cluster.followers.get(0);
        long rssBefore = follower.rssKib();
        List<Socket> flood = new ArrayList<>();
        try {
            for (int i = 0; i < 5_000; i++) {
                flood.add(new Socket(InetAddress.getLoopbackAddress(), cluster.followerPorts[0]));
            }
            follower.awaitLog("refused", START);
            long rssDuring = follower.rssKib();
            assertTrue(rssDuring < rssBefore * 2 + 64 * 1024, "RSS stays bounded: " + rssBefore + " KiB before, " + rssDuring + " KiB during");
        } finally {
            for (Socket socket : flood) {
                socket.close();
            }
        }
        // The leader's connection was admitted before the flood and kept its heartbeats flowing.
        assertFalse(cluster.leader.stderr().contains("-> DOWN"), cluster.leader.stderr());
        assertTrue(cluster.get("/status").contains("\"state\": \"UP\""), cluster.get("/status"));
        long reports = follower.stderr().lines().filter(line -> line.contains("refused")).count();
        assertTrue(reports >= 1 && reports < 100, "refusals are logged a line a second at most, not one per connection: " + reports);
    }

    @Test
    void silentPeerAndSlowSenderAreClosedAfterTheIdleTimeout() throws Exception {
        int port = ReplLauncher.freePort();
        ReplProcess follower = repl.start("node", "--role", "follower", "--port", Integer.toString(port), "--idle-timeout", "1s")
                .awaitLog("listening on", START);
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port);
             Socket slow = new Socket(InetAddress.getLoopbackAddress(), port)) {
            silent.setSoTimeout(20_000);
            OutputStream trickle = slow.getOutputStream();
            await("the slow sender to be cut off").atMost(START).pollInterval(Duration.ofMillis(400)).until(() -> {
                try {
                    trickle.write(0x48); // a byte at a time: a whole frame never arrives in time
                    trickle.flush();
                    return false;
                } catch (IOException closed) {
                    return true;
                }
            });
            assertEquals(-1, silent.getInputStream().read(), "the silent peer is closed too");
        }
        follower.awaitLog("no complete frame within the idle timeout", START);
        assertEquals(2, follower.stderr().lines().filter(line -> line.contains("no complete frame within the idle timeout")).count(),
                follower.stderr());
        ReplProcess check = repl.run(START, "heartbeat", "--followers", "127.0.0.1:" + port, "--timeout", "10s");
        assertEquals(0, check.exitCode(), "a real heartbeat is still answered");
    }
}
