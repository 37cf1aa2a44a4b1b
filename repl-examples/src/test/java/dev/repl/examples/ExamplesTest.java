package dev.repl.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples run as a reader would run them, and docs/embedding.md shows the counter's code as it is. */
class ExamplesTest {

    @TempDir
    Path dir;

    private static List<Peer> threePeers() throws Exception {
        return List.of(new Peer("n1", NodeAddress.loopback(freePort())), new Peer("n2", NodeAddress.loopback(freePort())),
                new Peer("n3", NodeAddress.loopback(freePort())));
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void theCounterCountsOneTwoThreeThroughTheElectedLeader() throws Exception {
        assertEquals(6, Counter.run(threePeers(), dir));
    }

    @Test
    void theMapKeepsAWriteWhenItsLeaderStops() throws Exception {
        assertEquals("Lisbon", ReplicatedMap.run(threePeers(), dir));
    }

    @Test
    void theEmbeddingGuideShowsTheCounterAsCompiled() throws Exception {
        String guide = Files.readString(Path.of("../docs/embedding.md"));
        String source = Files.readString(Path.of("src/main/java/dev/repl/examples/Counter.java"));
        assertTrue(guide.contains("```java\n" + source + "```\n"),
                "docs/embedding.md must show repl-examples' Counter.java verbatim, in one ```java block");
    }
}
