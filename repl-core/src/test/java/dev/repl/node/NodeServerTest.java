package dev.repl.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.NodeAddress;
import dev.repl.api.NodeStartException;
import dev.repl.testing.Threads;
import dev.repl.testing.Wire;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class NodeServerTest {

    @Test
    void portZeroBindsAFreePortAndReadsItBack() throws Exception {
        try (NodeServer server = new NodeServer("ns-port0", NodeAddress.loopback(0), HeartbeatObserver.NONE)) {
            InetSocketAddress bound = server.start();
            assertTrue(bound.getPort() > 0);
            try (Socket socket = new Socket(bound.getAddress(), bound.getPort())) {
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                DataInputStream in = new DataInputStream(socket.getInputStream());
                out.write(HexFormat.of().parseHex(Wire.LEADER_HELLO));
                assertEquals(0x4103a219, in.readInt(), "the hello of the default cluster is accepted");
                out.writeInt(0x48000042);
                assertEquals(0x41000042, in.readInt());
            }
        }
    }

    @Test
    void startAndCloseAreIdempotentAndCloseEndsTheEventLoop() {
        NodeServer server = new NodeServer("ns-idem", NodeAddress.loopback(0), HeartbeatObserver.NONE);
        InetSocketAddress first = server.start();
        assertEquals(first.getPort(), server.start().getPort());
        server.close();
        server.close();
        Threads.assertNoneLeft("ns-idem");
        assertThrows(IllegalStateException.class, server::start);
    }

    @Test
    void addressInUseIsOneLineNamingTheAddressAndLeavesNothingRunning() {
        try (NodeServer first = new NodeServer("ns-first", NodeAddress.loopback(0), HeartbeatObserver.NONE)) {
            int port = first.start().getPort();
            NodeServer second = new NodeServer("ns-second", NodeAddress.loopback(port), HeartbeatObserver.NONE);
            NodeStartException e = assertThrows(NodeStartException.class, second::start);
            assertEquals("ns-second: cannot listen on 127.0.0.1:" + port + ": address already in use", e.getMessage());
            Threads.assertNoneLeft("ns-second");
            second.close();
        }
    }
}
