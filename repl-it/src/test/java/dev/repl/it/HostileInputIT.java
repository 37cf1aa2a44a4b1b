package dev.repl.it;

import static dev.repl.it.Cluster.START;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.testing.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
            out.write(HexFormat.of().parseHex(Wire.LEADER_HELLO + "4800002a"));
            out.flush();
            assertEquals(0x4103a219, readInt(in), "the hello is accepted");
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
        assertEquals("UP", cluster.follower("follower-1").get("state").asText());
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

    /**
     * One connection pipelines heartbeats as fast as it can and never reads its acks. Without
     * backpressure the follower queued acks until its heap ran out; now it stops reading that
     * connection while its acks cannot be written, so it keeps answering everyone else.
     */
    @Test
    void peerThatSendsAndNeverReadsCostsOnlyItsOwnConnection() throws Exception {
        int followerAdmin = ReplLauncher.freePort();
        // A long idle timeout, so the flood is held back by backpressure alone for the whole run.
        Cluster cluster = new Cluster(repl, 1).followerArgs("--idle-timeout", "5m", "--admin-port", Integer.toString(followerAdmin)).start();
        String admin = "127.0.0.1:" + followerAdmin;
        AtomicLong sent = new AtomicLong();
        byte[] burst = heartbeats(16 * 1024);
        try (Socket flood = new Socket(); Socket honest = new Socket(InetAddress.getLoopbackAddress(), cluster.followerPorts[0])) {
            flood.setReceiveBufferSize(4 * 1024);
            flood.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), cluster.followerPorts[0]));
            Thread sender = new Thread(() -> {
                try {
                    OutputStream out = flood.getOutputStream();
                    out.write(HexFormat.of().parseHex(Wire.PROBE_HELLO));
                    while (true) {
                        out.write(burst); // blocks once the follower stops reading
                        sent.addAndGet(burst.length / 4);
                    }
                } catch (IOException closed) {
                    // the test closed the socket
                }
            }, "flood");
            sender.setDaemon(true);
            sender.start();

            honest.setSoTimeout(10_000);
            OutputStream out = honest.getOutputStream();
            InputStream in = honest.getInputStream();
            out.write(HexFormat.of().parseHex(Wire.PROBE_HELLO));
            assertEquals(0x4103a219, readInt(in));
            int[] sequence = {0};
            long[] most = {0, 0};
            await("the follower to keep answering another connection and its leader for 10 s of flood")
                    .during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        int seq = ++sequence[0] & 0xff;
                        out.write(new byte[] {0x48, 0, 0, (byte) seq});
                        String metrics = Cluster.get(admin, "/metrics");
                        most[0] = Math.max(most[0], (long) metric(metrics, "jvm_memory_used_bytes{area=\"heap\"}"));
                        most[1] = Math.max(most[1], (long) metric(metrics, "repl_netty_buffer_memory_bytes{kind=\"direct\"}"));
                        // SUSPECT is the detector's early warning on a busy machine; the verdict, DOWN, is checked at the end.
                        String state = cluster.follower("follower-1").get("state").asText();
                        return readInt(in) == (0x41000000 | seq) && (state.equals("UP") || state.equals("SUSPECT"));
                    });
            System.out.printf("flood: %d heartbeats taken by the follower in 10 s; at most %d KiB of heap used and %d KiB of direct buffers%n",
                    sent.get(), most[0] / 1024, most[1] / 1024);
            assertTrue(sent.get() > 0, "the flood got going");
            assertTrue(most[0] < 64L * 1024 * 1024, "the heap stays small: at most " + most[0] + " bytes used");
            assertTrue(most[1] < 16L * 1024 * 1024, "Netty's buffers stay small: at most " + most[1] + " bytes");
        }
        assertFalse(cluster.leader.stderr().contains("-> DOWN"), "the real leader kept the follower UP:\n" + cluster.leader.stderr());
        assertFalse(cluster.followers.get(0).stderr().contains("OutOfMemoryError"), cluster.followers.get(0).stderr());
    }

    private static byte[] heartbeats(int count) {
        byte[] frames = new byte[4 * count];
        for (int i = 0; i < count; i++) {
            frames[4 * i] = 0x48;
            frames[4 * i + 3] = (byte) i;
        }
        return frames;
    }

    /** The value of one sample line of a Prometheus text exposition. */
    private static double metric(String exposition, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(exposition);
        assertTrue(m.find(), sample + " in\n" + exposition);
        return Double.parseDouble(m.group(1));
    }
}
