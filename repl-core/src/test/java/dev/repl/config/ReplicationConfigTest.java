package dev.repl.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationConfigTest {

    @Test
    void rejectsAnEmptyFollowerList() {
        var e = assertThrows(IllegalArgumentException.class, () -> ReplicationConfig.of(NodeAddress.loopback(7000), List.of()));
        assertEquals("at least one follower is needed", e.getMessage());
    }

    @Test
    void rejectsDuplicateFollowerAddresses() {
        var e = assertThrows(IllegalArgumentException.class, () -> ReplicationConfig.of(NodeAddress.loopback(7000),
                List.of(NodeAddress.loopback(7001), NodeAddress.loopback(7001))));
        assertEquals("follower address 127.0.0.1:7001 is given twice", e.getMessage());
    }

    @Test
    void rejectsAFollowerOnTheLeadersAddress() {
        var e = assertThrows(IllegalArgumentException.class, () -> ReplicationConfig.of(NodeAddress.loopback(7000),
                List.of(NodeAddress.loopback(7000))));
        assertEquals("follower address 127.0.0.1:7000 is the leader's own address", e.getMessage());
    }

    @Test
    void rejectsMoreThanTheMaximumFollowers() {
        List<Peer> many = Collections.nCopies(ReplicationConfig.MAX_FOLLOWERS + 1, new Peer("f", NodeAddress.loopback(1)));
        var e = assertThrows(IllegalArgumentException.class, () -> ReplicationConfig.checkFollowers(many, null));
        assertEquals("10001 followers given; at most 10000 are supported", e.getMessage());
    }

    @Test
    void rejectsBadPorts() {
        assertEquals("port 70000 of 127.0.0.1 is outside 0-65535",
                assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("127.0.0.1:70000")).getMessage());
        assertEquals("'127.0.0.1:http' has no valid port (expected host:port, e.g. 127.0.0.1:7001)",
                assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("127.0.0.1:http")).getMessage());
        assertEquals("follower-1: port 0 cannot be connected to; give the follower's real port",
                assertThrows(IllegalArgumentException.class, () -> new Peer("follower-1", NodeAddress.loopback(0))).getMessage());
    }

    @Test
    void parsesHostPortForms() {
        assertEquals(new NodeAddress("10.0.0.5", 7001), NodeAddress.parse(" 10.0.0.5:7001 "));
        assertEquals(new NodeAddress("::1", 7001), NodeAddress.parse("[::1]:7001"));
        assertEquals("[::1]:7001", NodeAddress.parse("[::1]:7001").toString());
        assertEquals(NodeAddress.loopback(7002), NodeAddress.parse("7002"));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("::1:7001"));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse(":7001"));
    }
}
