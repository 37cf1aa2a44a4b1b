package dev.repl.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** What followers tell clients about where the leader's key-value API is. */
class AddressesTest {

    @Test
    void aBoundAddressIsAdvertisedAsItIs() {
        assertEquals("127.0.0.1:8080", Addresses.advertised(new InetSocketAddress("127.0.0.1", 8080), "10.0.0.5"));
    }

    @Test
    void everyInterfaceIsAdvertisedAsTheHostOthersKnowTheNodeBy() {
        assertEquals("10.0.0.5:8080", Addresses.advertised(new InetSocketAddress("0.0.0.0", 8080), "10.0.0.5"));
        assertEquals("node-a.example:8080", Addresses.advertised(new InetSocketAddress("::", 8080), "node-a.example"));
    }

    @Test
    void noHostOthersCanReachMeansNoHint() {
        for (String known : new String[] {"0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0"}) {
            assertEquals("", Addresses.advertised(new InetSocketAddress("0.0.0.0", 8080), known), known);
        }
    }
}
