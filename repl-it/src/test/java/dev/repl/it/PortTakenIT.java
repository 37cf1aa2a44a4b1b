package dev.repl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A node whose port is taken says so in one line and exits, leaving nothing running. */
class PortTakenIT {

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void nodeOnATakenPortExitsWithOneLineNamingTheAddress() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = squatter.getLocalPort();
            ReplProcess node = repl.run(Duration.ofSeconds(30), "node", "--role", "follower", "--port", Integer.toString(port), "--name", "follower-1");
            assertEquals(3, node.exitCode());
            assertEquals(List.of("repl: follower-1: cannot listen on 127.0.0.1:" + port + ": address already in use"),
                    node.stderr().lines().filter(line -> !line.isBlank()).toList());
            assertEquals("", node.stdout());
        }
    }

    @Test
    void leaderOnATakenPortExitsTheSameWay() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = squatter.getLocalPort();
            ReplProcess node = repl.run(Duration.ofSeconds(30), "node", "--role", "leader", "--port", Integer.toString(port),
                    "--followers", "127.0.0.1:" + ReplLauncher.freePort());
            assertEquals(3, node.exitCode());
            assertEquals(List.of("repl: leader: cannot listen on 127.0.0.1:" + port + ": address already in use"),
                    node.stderr().lines().filter(line -> !line.isBlank()).toList());
        }
    }
}
