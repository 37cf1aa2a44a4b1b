package dev.repl.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.repl.api.ConnectionOptions;
import dev.repl.api.FollowerState;
import dev.repl.api.NodeAddress;
import dev.repl.liveness.FollowerStatus;
import dev.repl.node.LeaderTracker;
import dev.repl.testing.Threads;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AdminServerTest {

    private static final FollowerStatus UP = new FollowerStatus("follower-1", "127.0.0.1:7001", FollowerState.UP, 12, 41, 40, 90, 100, 45.5,
            0, 0, 1, "CONNECTING -> UP: acked");
    private static final NodeStatus LEADER = new NodeStatus("leader", "leader", List.of(UP,
            new FollowerStatus("follower-2", "127.0.0.1:7002", FollowerState.CONNECTING, -1, -1, -1, -1, 0, 0, 0, 0, 3, "not connected yet")), null);

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String body) throws Exception {
        return Json.mapper().readTree(body);
    }

    @Test
    void servesStatusMetricsAndHealth() throws Exception {
        try (AdminServer admin = new AdminServer("as-leader", NodeAddress.loopback(0), () -> LEADER)) {
            int port = admin.start().getPort();
            HttpResponse<String> status = get(port, "/status");
            assertEquals(200, status.statusCode());
            assertTrue(status.headers().firstValue("content-type").orElse("").startsWith("application/json"));
            JsonNode doc = json(status.body());
            assertEquals("leader", doc.get("name").asText());
            assertTrue(doc.get("healthy").asBoolean());
            JsonNode first = doc.get("followers").get(0);
            assertEquals("UP", first.get("state").asText());
            assertEquals(12, first.get("lastAckAgeMs").asLong());
            assertEquals(40, first.get("rttUs").get("p50").asLong());
            assertEquals(90, first.get("rttUs").get("p99").asLong());
            JsonNode second = doc.get("followers").get(1);
            assertTrue(second.get("lastAckAgeMs").isNull(), "unknown is null, never -1");
            assertTrue(second.get("rttUs").get("p50").isNull());

            String table = get(port, "/status?format=text").body();
            assertTrue(table.lines().anyMatch(l -> l.startsWith("follower-1") && l.contains("UP") && l.contains("40us")), table);

            String metrics = get(port, "/metrics").body();
            assertTrue(metrics.contains("repl_follower_state{follower=\"follower-2\",state=\"CONNECTING\"} 1.0"), metrics);
            assertTrue(metrics.contains("repl_follower_rtt_seconds{follower=\"follower-1\",quantile=\"0.99\"} 9.0E-5"), metrics);
            assertTrue(metrics.contains("repl_follower_connect_attempts_total{follower=\"follower-2\"} 3.0"), metrics);
            assertTrue(metrics.contains("repl_node_healthy 1.0"), metrics);
            assertTrue(metrics.contains("jvm_memory_used_bytes{area=\"heap\"}"), metrics);
            assertTrue(metrics.contains("repl_netty_buffer_memory_bytes{kind=\"direct\"}"), metrics);

            assertEquals("ok\n", get(port, "/health").body());
            assertEquals("ok\n", get(port, "/livez").body());
            assertEquals(404, get(port, "/nope").statusCode());

            HttpResponse<String> page = get(port, "/");
            assertEquals(200, page.statusCode());
            assertEquals("text/html; charset=utf-8", page.headers().firstValue("content-type").orElseThrow());
            assertTrue(page.headers().firstValue("content-security-policy").orElseThrow().contains("connect-src 'self'"),
                    "the page may reach its own node only");
            assertTrue(page.body().contains("fetch(\"status\"") && !page.body().contains("http://") && !page.body().contains("https://"),
                    "it draws from /status and links nothing outside");
        }
        Threads.assertNoneLeft("as-leader");
    }

    @Test
    void healthSaysWhyALeaderThatReachesNoFollowerIsNotHealthy() throws Exception {
        NodeStatus alone = new NodeStatus("leader", "leader", List.of(
                new FollowerStatus("follower-1", "127.0.0.1:7001", FollowerState.DOWN, 900, 38, 40, 90, 100, 45.5, 3, 1, 4, "UP -> DOWN: reset")), null);
        try (AdminServer admin = new AdminServer("as-alone", NodeAddress.loopback(0), () -> alone)) {
            int port = admin.start().getPort();
            HttpResponse<String> health = get(port, "/health");
            assertEquals(503, health.statusCode());
            assertEquals("not healthy: no follower reachable: follower-1 DOWN\n", health.body());
            assertEquals(200, get(port, "/livez").statusCode(), "alive all the same");
        }
    }

    @Test
    void followerStatusNamesItsLeaderAndASecondOne() throws Exception {
        LeaderTracker.Seen a = new LeaderTracker.Seen("leader-a", "10.0.0.1:40001", 0, 12);
        LeaderTracker.Seen b = new LeaderTracker.Seen("leader-b", "10.0.0.2:40002", 0, 30);
        NodeStatus follower = new NodeStatus("follower-1", "follower", List.of(), new LeaderTracker.Status(LeaderTracker.State.UP, a, b,
                "first heartbeat from leader-a", "two leaders: " + a + " and " + b));
        try (AdminServer admin = new AdminServer("as-follower", NodeAddress.loopback(0), () -> follower)) {
            int port = admin.start().getPort();
            JsonNode doc = json(get(port, "/status").body());
            JsonNode leader = doc.get("leader");
            assertEquals("UP", leader.get("state").asText());
            assertEquals("leader-a", leader.get("name").asText());
            assertEquals("10.0.0.1:40001", leader.get("address").asText());
            assertEquals("leader-b", leader.get("otherLeader").get("name").asText());
            assertEquals("two leaders: leader-a (10.0.0.1:40001, term 0) and leader-b (10.0.0.2:40002, term 0)", leader.get("warning").asText());
            assertEquals(503, get(port, "/health").statusCode());
            assertTrue(get(port, "/status?format=text").body().contains("WARNING two leaders: leader-a"));
            String metrics = get(port, "/metrics").body();
            assertTrue(metrics.contains("repl_leaders_heard 2.0"), metrics);
            assertTrue(metrics.contains("repl_leader_up 1.0"), metrics);
        }
    }

    @Test
    void oneRequestPerConnectionAndPipelinedOnesAreNotAnswered() throws Exception {
        AtomicInteger scrapes = new AtomicInteger();
        try (AdminServer admin = new AdminServer("as-pipe", NodeAddress.loopback(0), () -> {
            scrapes.incrementAndGet();
            return LEADER;
        })) {
            int port = admin.start().getPort();
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                OutputStream out = socket.getOutputStream();
                out.write("GET /status HTTP/1.1\r\nHost: x\r\n\r\n".repeat(100).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                socket.setSoTimeout(10_000);
                try {
                    socket.getInputStream().readAllBytes();
                } catch (SocketException reset) {
                    // Closed with requests unread, the connection may end in a reset: the client sees no more.
                }
            }
            assertEquals(1, scrapes.get(), "one answer; the pipelined requests were never served");
        }
    }

    @Test
    void silentAdminConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        ConnectionOptions limits = new ConnectionOptions(ConnectionOptions.DEFAULT_LEADER_TIMEOUT, Duration.ofMillis(300), 2);
        try (AdminServer admin = new AdminServer("as-idle", NodeAddress.loopback(0), null, limits, () -> LEADER);
             Socket silent = new Socket(InetAddress.getLoopbackAddress(), admin.start().getPort())) {
            silent.setSoTimeout(10_000);
            assertEquals(-1, silent.getInputStream().read(), "closed for sending no request");
        }
    }

    @Test
    void connectionsOverTheCapAreClosedOnArrival() throws Exception {
        ConnectionOptions limits = new ConnectionOptions(ConnectionOptions.DEFAULT_LEADER_TIMEOUT, Duration.ofMinutes(1), 2);
        try (AdminServer admin = new AdminServer("as-cap", NodeAddress.loopback(0), null, limits, () -> LEADER)) {
            int port = admin.start().getPort();
            try (Socket one = new Socket(InetAddress.getLoopbackAddress(), port);
                 Socket two = new Socket(InetAddress.getLoopbackAddress(), port);
                 Socket three = new Socket(InetAddress.getLoopbackAddress(), port)) {
                three.setSoTimeout(5_000); // far less than the idle timeout: only the cap can close it in time
                assertEquals(-1, three.getInputStream().read(), "over the cap of 2: closed on arrival");
            }
        }
    }
}
