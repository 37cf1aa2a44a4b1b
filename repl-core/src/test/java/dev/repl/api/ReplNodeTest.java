package dev.repl.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding API as an application sees it: nodes in this JVM, proposals and their outcomes, reads, events. */
class ReplNodeTest {

    @TempDir
    Path dir;

    private final List<ReplNode> nodes = new ArrayList<>();

    @AfterEach
    void closeNodes() {
        nodes.forEach(ReplNode::close);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private ReplNode started(NodeConfig config, StateMachine stateMachine, NodeListener listener) {
        ReplNode node = ReplNode.create(config, stateMachine, listener);
        nodes.add(node);
        return node.start();
    }

    /** Three members with short timeouts; returns them once one leads. */
    private List<ReplNode> cluster(Map<String, List<String>> events) throws Exception {
        List<Peer> peers = List.of(new Peer("n1", NodeAddress.loopback(freePort())), new Peer("n2", NodeAddress.loopback(freePort())),
                new Peer("n3", NodeAddress.loopback(freePort())));
        List<ReplNode> members = new ArrayList<>();
        for (Peer p : peers) {
            List<String> seen = events.computeIfAbsent(p.name(), k -> new CopyOnWriteArrayList<>());
            NodeListener listener = new NodeListener() {
                @Override
                public void roleChanged(Role role, long term) {
                    seen.add("role " + role);
                }

                @Override
                public void leaderChanged(String leader) {
                    seen.add("leader " + leader);
                }

                @Override
                public void followerHealthChanged(String follower, FollowerState from, FollowerState to) {
                    seen.add("health " + follower + " " + to);
                }
            };
            NodeConfig config = NodeConfig.peer(p.name(), peers).electionTimeout(Duration.ofMillis(300))
                    .detector(DetectorConfig.withInterval(Duration.ofMillis(50))).dataDir(dir.resolve(p.name())).build();
            members.add(started(config, new KeyValueStore(), listener));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> members.stream().filter(n -> n.role() == Role.LEADER).count() == 1);
        return members;
    }

    private static ReplNode leaderOf(List<ReplNode> members) {
        return members.stream().filter(n -> n.role() == Role.LEADER).findFirst().orElseThrow();
    }

    /** The bundled store, but "poison" cannot be applied while {@link #failing} is set. */
    private static final class Poisonable implements StateMachine {
        private final KeyValueStore store = new KeyValueStore();
        volatile boolean failing;

        Poisonable(boolean failing) {
            this.failing = failing;
        }

        @Override
        public byte[] apply(long index, byte[] command) {
            if (failing && new String(command, StandardCharsets.UTF_8).equals("poison")) {
                throw new IllegalStateException("cannot apply poison");
            }
            return new String(command, StandardCharsets.UTF_8).equals("poison") ? command : store.apply(index, command);
        }

        @Override
        public void snapshot(java.io.OutputStream out) throws java.io.IOException {
            store.snapshot(out);
        }

        @Override
        public void restore(java.io.InputStream in) throws java.io.IOException {
            store.restore(in);
        }

        @Override
        public byte[] query(byte[] request) {
            return store.query(request);
        }
    }

    @Test
    void aProposalCommitsOnTheElectedLeaderAndEveryMemberAppliesIt() throws Exception {
        Map<String, List<String>> events = new ConcurrentHashMap<>();
        List<ReplNode> members = cluster(events);
        ReplNode leader = leaderOf(members);

        Outcome outcome = leader.propose(KeyValueStore.put("k", bytes("v1"))).join();
        Outcome.Committed committed = assertInstanceOf(Outcome.Committed.class, outcome);
        assertTrue(committed.index() > 0);
        assertTrue(KeyValueStore.wasSet(committed.result()));
        assertArrayEquals(bytes("v1"), leader.query(bytes("k")).join());

        Outcome.Committed refused = assertInstanceOf(Outcome.Committed.class,
                leader.propose(KeyValueStore.compareAndSet("k", bytes("other"), bytes("v2"))).join());
        assertTrue(!KeyValueStore.wasSet(refused.result()), "a compare-and-set that found another value commits, and says so");

        for (ReplNode member : members) {
            await().atMost(Duration.ofSeconds(10)).until(() -> member.queryStale(bytes("k")) != null);
            assertArrayEquals(bytes("v1"), member.queryStale(bytes("k")));
        }
    }

    @Test
    void outcomesAndAnswersAreEqualWhenTheirBytesAre() {
        assertEquals(new Outcome.Committed(7, bytes("r")), new Outcome.Committed(7, bytes("r")));
        assertEquals(new Outcome.Committed(7, bytes("r")).hashCode(), new Outcome.Committed(7, bytes("r")).hashCode());
        assertNotEquals(new Outcome.Committed(7, bytes("r")), new Outcome.Committed(7, bytes("s")));
        NodeAddress from = NodeAddress.loopback(8001);
        assertEquals(new dev.repl.api.client.KvClient.Answer(200, bytes("v"), from), new dev.repl.api.client.KvClient.Answer(200, bytes("v"), from));
        assertEquals("200 from " + from + ": v", new dev.repl.api.client.KvClient.Answer(200, bytes("v"), from).toString());
    }

    @Test
    void aFollowerRejectsProposalsAndReadsAndNamesTheLeader() throws Exception {
        List<ReplNode> members = cluster(new ConcurrentHashMap<>());
        ReplNode leader = leaderOf(members);
        assertInstanceOf(Outcome.Committed.class, leader.propose(KeyValueStore.put("a", bytes("1"))).join());
        ReplNode follower = members.stream().filter(n -> n != leader).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> follower.leader().isPresent());

        Outcome.Rejected rejected = assertInstanceOf(Outcome.Rejected.class, follower.propose(KeyValueStore.put("a", bytes("2"))).join());
        assertEquals(Outcome.Reason.NOT_LEADER, rejected.reason());
        assertEquals(leader.config().name(), rejected.leader());

        CompletionException e = assertThrows(CompletionException.class, () -> follower.query(bytes("a")).join());
        assertEquals(Outcome.Reason.NOT_LEADER, assertInstanceOf(RejectedException.class, e.getCause()).rejected().reason());
        assertEquals(leader.config().name(), follower.leader().orElseThrow());
    }

    @Test
    void aMemberOnEveryInterfaceIsNamedByItsEntryToClientsAndInStatus() throws Exception {
        List<Peer> peers = List.of(new Peer("n1", NodeAddress.loopback(freePort())), new Peer("n2", NodeAddress.loopback(freePort())),
                new Peer("n3", NodeAddress.loopback(freePort())));
        List<ReplNode> members = new ArrayList<>();
        for (Peer p : peers) {
            members.add(started(NodeConfig.peer(p.name(), peers).listenHost("0.0.0.0").electionTimeout(Duration.ofMillis(300))
                    .detector(DetectorConfig.withInterval(Duration.ofMillis(50))).dataDir(dir.resolve(p.name()))
                    .clientAddress(new NodeAddress("0.0.0.0", 0)).adminAddress(NodeAddress.loopback(0)).build(), new KeyValueStore(),
                    NodeListener.NONE));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> members.stream().filter(n -> n.role() == Role.LEADER).count() == 1);
        ReplNode leader = leaderOf(members);
        assertInstanceOf(Outcome.Committed.class, leader.propose(KeyValueStore.put("k", bytes("v"))).join());
        ReplNode follower = members.stream().filter(n -> n != leader).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> follower.leader().isPresent());

        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest read = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + follower.clientAddress().orElseThrow().getPort() + "/kv/k")).build();
        // The follower names its leader once the leader's stream has said where its API is.
        String expected = "\"leader\":\"127.0.0.1:" + leader.clientAddress().orElseThrow().getPort() + "\"";
        await().atMost(Duration.ofSeconds(10)).until(() -> !http.send(read, java.net.http.HttpResponse.BodyHandlers.ofString()).body()
                .contains("\"leader\":null"));
        java.net.http.HttpResponse<String> refused = http.send(read, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(503, refused.statusCode(), refused.body());
        // Not 0.0.0.0, which would send a client on another machine to itself.
        assertTrue(refused.body().contains(expected), refused.body());

        String status = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                + follower.adminAddress().orElseThrow().getPort() + "/status")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        String self = peers.stream().filter(p -> p.name().equals(follower.config().name())).findFirst().orElseThrow().address().toString();
        assertTrue(status.contains("\"address\":\"" + self + "\""), "its own member in status is its entry, " + self + ": " + status);
    }

    @Test
    void theListenerHearsTheElectionTheLeaderAndFollowerHealth() throws Exception {
        Map<String, List<String>> events = new ConcurrentHashMap<>();
        List<ReplNode> members = cluster(events);
        String leader = leaderOf(members).config().name();
        List<String> others = members.stream().map(n -> n.config().name()).filter(n -> !n.equals(leader)).toList();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertTrue(events.get(leader).contains("role LEADER"), events.get(leader).toString());
            for (String other : others) {
                assertTrue(events.get(leader).contains("health " + other + " UP"), events.get(leader).toString());
                assertTrue(events.get(other).contains("leader " + leader), events.get(other).toString());
            }
        });
    }

    @Test
    void aWriteThatCannotReachAMajorityEndsUnknownNotFailed() throws Exception {
        NodeConfig config = NodeConfig.leader(NodeAddress.loopback(0), List.of(NodeAddress.loopback(freePort()), NodeAddress.loopback(freePort())))
                .dataDir(dir.resolve("leader")).log(new LogOptions(LogOptions.DEFAULT_SEGMENT_BYTES, LogOptions.DEFAULT_SNAPSHOT_EVERY,
                        LogOptions.DEFAULT_RETAIN_ENTRIES, LogOptions.DEFAULT_MAX_FRAME_BYTES, LogOptions.DEFAULT_MAX_INFLIGHT_BYTES, Acks.QUORUM,
                        Duration.ofMillis(300))).build();
        ReplNode leader = started(config, new KeyValueStore(), NodeListener.NONE);

        Outcome.Unknown unknown = assertInstanceOf(Outcome.Unknown.class, leader.propose(KeyValueStore.put("k", bytes("v"))).join());
        assertTrue(unknown.index() > 0);
        assertTrue(unknown.message().startsWith("not committed within 300ms"), unknown.message());
    }

    @Test
    void closingTheNodeAnswersAPendingProposalUnknown() throws Exception {
        NodeConfig config = NodeConfig.leader(NodeAddress.loopback(0), List.of(NodeAddress.loopback(freePort()), NodeAddress.loopback(freePort())))
                .dataDir(dir.resolve("leader")).build(); // the default commit timeout, 5 s: the close comes first
        ReplNode leader = started(config, new KeyValueStore(), NodeListener.NONE);
        var pending = leader.propose(KeyValueStore.put("k", bytes("v")));
        leader.close();
        Outcome.Unknown unknown = assertInstanceOf(Outcome.Unknown.class, pending.get(2, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(unknown.index() > 0, unknown.toString());
        assertThrows(IllegalStateException.class, () -> leader.propose(bytes("x")));
    }

    @Test
    void closingTheNodeRefusesAPendingRead() throws Exception {
        Map<String, List<String>> events = new ConcurrentHashMap<>();
        ReplNode leader = leaderOf(cluster(events));
        for (ReplNode other : nodes) {
            if (other != leader) {
                other.close(); // no majority is left to confirm the lead
            }
        }
        var read = leader.query(bytes("k"));
        leader.close();
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> read.get(2, java.util.concurrent.TimeUnit.SECONDS));
        assertInstanceOf(RejectedException.class, e.getCause());
    }

    @Test
    void aStateMachineThatThrowsStopsTheNodeWhichThenSaysWhyToWritesAndReads() throws Exception {
        NodeConfig config = NodeConfig.leader(NodeAddress.loopback(0), List.of(NodeAddress.loopback(freePort())))
                .dataDir(dir.resolve("leader")).log(new LogOptions(LogOptions.DEFAULT_SEGMENT_BYTES, LogOptions.DEFAULT_SNAPSHOT_EVERY,
                        LogOptions.DEFAULT_RETAIN_ENTRIES, LogOptions.DEFAULT_MAX_FRAME_BYTES, LogOptions.DEFAULT_MAX_INFLIGHT_BYTES, Acks.LEADER,
                        LogOptions.DEFAULT_COMMIT_TIMEOUT)).build();
        ReplNode leader = started(config, new Poisonable(true), NodeListener.NONE);
        assertInstanceOf(Outcome.Committed.class, leader.propose(KeyValueStore.put("k", bytes("before"))).join());

        Outcome.Unknown unknown = assertInstanceOf(Outcome.Unknown.class, leader.propose(bytes("poison")).join());
        assertTrue(unknown.message().contains("the state machine failed to apply index " + unknown.index())
                && unknown.message().contains("cannot apply poison"), unknown.message());

        Outcome.Rejected rejected = assertInstanceOf(Outcome.Rejected.class, leader.propose(KeyValueStore.put("k", bytes("after"))).join());
        assertEquals(Outcome.Reason.APPLY_FAILED, rejected.reason());
        assertTrue(rejected.message().contains("index " + unknown.index()) && rejected.message().contains("until it is restarted"), rejected.message());
        CompletionException e = assertThrows(CompletionException.class, () -> leader.query(bytes("k")).join());
        assertEquals(Outcome.Reason.APPLY_FAILED, assertInstanceOf(RejectedException.class, e.getCause()).rejected().reason());
        assertArrayEquals(bytes("before"), leader.queryStale(bytes("k")), "a stale read still answers from what was applied");
    }

    @Test
    void anElectedLeaderWhoseStateMachineFailsStepsDownAndAnotherLeads() throws Exception {
        List<Peer> peers = List.of(new Peer("n1", NodeAddress.loopback(freePort())), new Peer("n2", NodeAddress.loopback(freePort())),
                new Peer("n3", NodeAddress.loopback(freePort())));
        List<ReplNode> members = new ArrayList<>();
        Map<ReplNode, Poisonable> machines = new java.util.HashMap<>();
        for (Peer p : peers) {
            Poisonable machine = new Poisonable(false);
            ReplNode node = started(NodeConfig.peer(p.name(), peers).electionTimeout(Duration.ofMillis(300))
                    .detector(DetectorConfig.withInterval(Duration.ofMillis(50))).dataDir(dir.resolve(p.name())).build(), machine, NodeListener.NONE);
            members.add(node);
            machines.put(node, machine);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> members.stream().filter(n -> n.role() == Role.LEADER).count() == 1);
        ReplNode first = leaderOf(members);
        machines.get(first).failing = true; // only here: the others apply it, so they can go on without this node

        assertInstanceOf(Outcome.Unknown.class, first.propose(bytes("poison")).join());
        // Another member leads and commits (asked again should the lead move on a loaded machine: the put is idempotent).
        await().atMost(Duration.ofSeconds(30)).until(() -> members.stream().filter(n -> n != first && n.role() == Role.LEADER).findFirst()
                .map(n -> n.propose(KeyValueStore.put("k", bytes("after"))).join() instanceof Outcome.Committed).orElse(false));

        // It refuses writes, and once the new leader's stream reaches it, sends callers there.
        await().atMost(Duration.ofSeconds(10)).until(() -> first.propose(KeyValueStore.put("k", bytes("here"))).join()
                instanceof Outcome.Rejected r && r.reason() == Outcome.Reason.NOT_LEADER && r.leader() != null
                && !r.leader().equals(first.config().name()));
        assertNull(first.queryStale(bytes("k")), "its state stays as it was before the entry it could not apply");
        assertEquals(Role.FOLLOWER, first.role(), "it stepped down, and does not stand again");
    }

    @Test
    void aCommandThatCannotBeShippedIsRejectedAndAnEmptyOneRefused() throws Exception {
        NodeConfig config = NodeConfig.leader(NodeAddress.loopback(0), List.of(NodeAddress.loopback(freePort())))
                .dataDir(dir.resolve("leader")).build();
        ReplNode leader = started(config, new KeyValueStore(), NodeListener.NONE);
        Outcome.Rejected rejected = assertInstanceOf(Outcome.Rejected.class,
                leader.propose(new byte[config.log().maxCommandBytes() + 1]).join());
        assertEquals(Outcome.Reason.TOO_LARGE, rejected.reason());
        assertThrows(IllegalArgumentException.class, () -> leader.propose(new byte[0]));
    }

    @Test
    void aNodeWithoutADataDirectoryKeepsNoLog() throws Exception {
        ReplNode follower = started(NodeConfig.follower(NodeAddress.loopback(0)).build(), null, NodeListener.NONE);
        assertEquals(Outcome.Reason.NO_LOG, assertInstanceOf(Outcome.Rejected.class, follower.propose(bytes("x")).join()).reason());
        assertNotNull(follower.listenAddress());
        assertSame(follower, follower.start(), "start is idempotent");
        follower.close();
        follower.close();
        assertThrows(IllegalStateException.class, follower::start);
    }

    @Test
    void aConfigurationIsRefusedInOneLineNamingWhatIsWrong() {
        NodeAddress a = NodeAddress.loopback(7001);
        assertEquals("electionTimeout: applies to an elected peer only",
                assertThrows(IllegalArgumentException.class, () -> NodeConfig.follower(a).electionTimeout(Duration.ofSeconds(1))).getMessage());
        assertEquals("detector: applies to a node that sends heartbeats (a leader or a peer) only",
                assertThrows(IllegalArgumentException.class, () -> NodeConfig.follower(a).detector(DetectorConfig.defaults())).getMessage());
        List<Peer> two = List.of(new Peer("n1", a), new Peer("n2", NodeAddress.loopback(7002)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeConfig.peer("n1", two).dataDir(dir).build()).getMessage()
                .startsWith("peers: lists 2 member(s); an elected cluster needs at least three"));
        List<Peer> three = List.of(new Peer("n1", a), new Peer("n2", NodeAddress.loopback(7002)), new Peer("n3", NodeAddress.loopback(7003)));
        assertEquals("dataDir: an elected peer needs one: its term and vote must survive a restart",
                assertThrows(IllegalArgumentException.class, () -> NodeConfig.peer("n1", three).build()).getMessage());
        assertEquals("peers: no member is this node's id n4",
                assertThrows(IllegalArgumentException.class, () -> NodeConfig.peer("n4", three)).getMessage());
        NodeConfig withClients = NodeConfig.follower(a).dataDir(dir).clientAddress(NodeAddress.loopback(0)).build();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReplNode.create(withClients, new StateMachine() {
            @Override
            public byte[] apply(long index, byte[] command) {
                return command;
            }

            @Override
            public void snapshot(java.io.OutputStream out) {
            }

            @Override
            public void restore(java.io.InputStream in) {
            }

            @Override
            public byte[] query(byte[] request) {
                return request;
            }
        }, NodeListener.NONE)).getMessage().startsWith("clientAddress serves the bundled key-value store"));
    }
}
