package dev.repl.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** What followers tell clients about where the leader's key-value API is. */
class AddressesTest {

    @Test
    void aBoundAddressIsAdvertisedAsItIs() {
        assertEquals("127.0.0.1:8080", Addresses.advertised(new InetSocketAddress("127.0.0.1", 8080), "10.0.0.5"), "loopback: for this machine only");
        assertEquals("[::1]:8080", Addresses.advertised(new InetSocketAddress("::1", 8080), "10.0.0.5"));
    }

    @Test
    void everyInterfaceIsAdvertisedAsTheHostOthersKnowTheNodeBy() {
        assertEquals("10.0.0.5:8080", Addresses.advertised(new InetSocketAddress("0.0.0.0", 8080), "10.0.0.5"));
        assertEquals("node-a.example:8080", Addresses.advertised(new InetSocketAddress("::", 8080), "node-a.example"));
        assertEquals("[fd00::5]:8080", Addresses.advertised(new InetSocketAddress("0.0.0.0", 8080), "fd00::5"), "IPv6 in brackets, as clients parse it");
        assertEquals("[fd00::5]:8080", Addresses.advertised(new InetSocketAddress("0.0.0.0", 8080), "[fd00::5]"), "once");
    }

    @Test
    void withNoHostOthersCanReachOnlyThePortIsSaidAndTheFollowerAddsTheHostItSeesTheLeaderAt() {
        for (String known : new String[] {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "::ffff:0.0.0.0"}) {
            assertEquals(":8080", Addresses.advertised(new InetSocketAddress("0.0.0.0", 8080), known), known);
        }
        assertEquals("10.0.0.7:8080", Addresses.reachable(":8080", new InetSocketAddress("10.0.0.7", 40123)));
        assertEquals("[fd00::7]:8080", Addresses.reachable(":8080", new InetSocketAddress("fd00::7", 40123)));
        assertEquals("127.0.0.1:8080", Addresses.reachable(":8080", new InetSocketAddress("127.0.0.1", 40123)));
        assertEquals("", Addresses.reachable(":8080", new io.netty.channel.local.LocalAddress("embedded")), "no host to complete it with: no hint");
    }

    @Test
    void aFollowerPassesAStatedHostOnAsItIs() {
        assertEquals("127.0.0.1:8001", Addresses.reachable("127.0.0.1:8001", new InetSocketAddress("10.0.0.7", 40123)),
                "an API bound to loopback is for the leader's machine only");
        assertEquals("10.0.0.5:8001", Addresses.reachable("10.0.0.5:8001", new InetSocketAddress("10.0.0.7", 40123)));
        assertEquals("", Addresses.reachable("", new InetSocketAddress("10.0.0.7", 40123)), "no client API, no hint");
    }
}
