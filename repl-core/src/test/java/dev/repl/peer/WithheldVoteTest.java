package dev.repl.peer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.Acks;
import dev.repl.api.ConnectionOptions;
import dev.repl.api.DetectorConfig;
import dev.repl.api.KeyValueStore;
import dev.repl.api.LogOptions;
import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.election.Election;
import dev.repl.election.ElectionStatus;
import dev.repl.replication.Replica;
import dev.repl.transport.LinkSecurity;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose log was removed, its meta.json kept, withholds its vote until a leader of a later
 * term has replicated to it, and says so in its status; then it votes again.
 */
class WithheldVoteTest {

    private static final LogOptions LOG = new LogOptions(64 * 1024, 0, 0, 64 * 1024, 256 * 1024, Acks.QUORUM, Duration.ofSeconds(5));

    @TempDir
    Path dir;
    private final List<Peer> peers = new ArrayList<>();
    private final Map<String, PeerNode> running = new TreeMap<>();
    private final Map<String, Replica> replicas = new TreeMap<>();

    @AfterEach
    void stopAll() {
        for (String id : List.copyOf(running.keySet())) {
            stop(id);
        }
    }

    private void start(String id) throws IOException {
        Replica replica = Replica.open(id, dir.resolve(id), "repl", new KeyValueStore(), LOG);
        Peer self = peers.stream().filter(p -> p.name().equals(id)).findFirst().orElseThrow();
        List<Peer> others = peers.stream().filter(p -> !p.name().equals(id)).toList();
        PeerNode node = new PeerNode(new PeerNode.Config(id, self.address(), others, Duration.ofMillis(300),
                DetectorConfig.withInterval(Duration.ofMillis(50)), ConnectionOptions.defaults(), LinkSecurity.PLAINTEXT, LOG, null,
                "127.0.0.1"), replica);
        running.put(id, node);
        replicas.put(id, replica);
        node.start();
    }

    private void stop(String id) {
        running.remove(id).close();
        replicas.remove(id).close();
    }

    private PeerNode leader() {
        return running.values().stream().filter(n -> n.election().role() == Election.Role.LEADER).findFirst().orElse(null);
    }

    @Test
    void aMemberWhoseLogWasRemovedVotesAgainOnlyOnceANewLeaderHasReplicatedToIt() throws Exception {
        for (String id : List.of("n1", "n2", "n3")) {
            try (ServerSocket s = new ServerSocket(0)) {
                peers.add(new Peer(id, NodeAddress.loopback(s.getLocalPort())));
            }
        }
        for (Peer p : peers) {
            start(p.name());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> leader() != null && leader().status().log().commitIndex() >= 1);
        long term = leader().election().term();
        for (String id : List.of("n1", "n2", "n3")) {
            stop(id);
        }

        // n3's log is moved aside, its meta.json kept; n1 is away.
        try (Stream<Path> files = Files.walk(dir.resolve("n3").resolve("log"))) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        start("n2");
        start("n3");
        String withheld = running.get("n3").status().election().votesWithheld();
        assertNotNull(withheld, "n3 does not vote: its empty log would grant n2 or anyone");
        ElectionStatus n2 = running.get("n2").status().election();
        assertTrue(n2.term() >= term, String.valueOf(n2));

        start("n1");
        await().atMost(Duration.ofSeconds(30)).until(() -> leader() != null && leader().election().term() > term
                && running.get("n3").status().election().votesWithheld() == null);
        assertEquals(leader().status().log().lastIndex(), running.get("n3").status().log().lastIndex(), "it caught up, and votes again");
    }
}
