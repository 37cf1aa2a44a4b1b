package dev.repl.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.config.NodeAddress;
import dev.repl.liveness.FollowerState;
import dev.repl.liveness.FollowerStatus;
import dev.repl.node.LeaderTracker;
import dev.repl.testing.Threads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminServerTest {

    private static final NodeStatus LEADER = new NodeStatus("leader", "leader", List.of(
            new FollowerStatus("follower-1", "127.0.0.1:7001", FollowerState.UP, 12, 40, 90, 100, 45.5, 0, 0, 1, "CONNECTING -> UP: acked"),
            new FollowerStatus("follower-2", "127.0.0.1:7002", FollowerState.CONNECTING, -1, -1, -1, 0, 0, 0, 0, 3, "not connected yet")), null);

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesStatusMetricsAndHealth() throws Exception {
        try (AdminServer admin = new AdminServer("as-leader", NodeAddress.loopback(0), () -> LEADER)) {
            int port = admin.start().getPort();
            HttpResponse<String> status = get(port, "/status");
            assertEquals(200, status.statusCode());
            assertTrue(status.headers().firstValue("content-type").orElse("").startsWith("application/json"));
            assertTrue(status.body().startsWith("{\"name\": \"leader\", \"role\": \"leader\", \"followers\": ["), status.body());
            assertTrue(status.body().contains("{\"name\": \"follower-1\", \"address\": \"127.0.0.1:7001\", \"state\": \"UP\", "
                    + "\"lastAckAgeMs\": 12, \"rttUs\": {\"p50\": 40, \"p99\": 90}, \"missed\": 0, \"reconnects\": 0"), status.body());
            assertTrue(status.body().contains("\"lastAckAgeMs\": null, \"rttUs\": {\"p50\": null, \"p99\": null}"), status.body());

            String table = get(port, "/status?format=text").body();
            assertTrue(table.lines().anyMatch(l -> l.startsWith("follower-1") && l.contains("UP") && l.contains("40us")), table);

            String metrics = get(port, "/metrics").body();
            assertTrue(metrics.contains("repl_follower_state{follower=\"follower-2\",state=\"CONNECTING\"} 1.0"), metrics);
            assertTrue(metrics.contains("repl_follower_rtt_seconds{follower=\"follower-1\",quantile=\"0.99\"} 9.0E-5"), metrics);
            assertTrue(metrics.contains("repl_follower_connect_attempts_total{follower=\"follower-2\"} 3.0"), metrics);

            assertEquals("ok\n", get(port, "/health").body());
            assertEquals(404, get(port, "/nope").statusCode());
        }
        Threads.assertNoneLeft("as-leader");
    }

    @Test
    void followerStatusShowsItsLeader() throws Exception {
        NodeStatus follower = new NodeStatus("follower-1", "follower", List.of(),
                new LeaderTracker.Status(LeaderTracker.State.LOST, "127.0.0.1:5555", 812, "no heartbeat for 812 ms"));
        try (AdminServer admin = new AdminServer("as-follower", NodeAddress.loopback(0), () -> follower)) {
            int port = admin.start().getPort();
            assertEquals("{\"name\": \"follower-1\", \"role\": \"follower\", \"leader\": {\"state\": \"LOST\", \"address\": \"127.0.0.1:5555\", "
                    + "\"lastHeartbeatAgeMs\": 812, \"lastEvent\": \"no heartbeat for 812 ms\"}}\n", get(port, "/status").body());
            assertTrue(get(port, "/metrics").body().contains("repl_leader_up 0.0"));
        }
    }

    @Test
    void jsonStringsAreEscaped() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001\"", StatusJson.quote("a\"b\\c\n\u0001"));
    }
}
