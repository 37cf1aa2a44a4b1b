package dev.repl.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The floor a heartbeat layer is measured against: the same 4-byte ping-pong over plain blocking
 * sockets with TCP_NODELAY, one thread per side, nothing else.
 */
final class RawSocketPingPong {

    private RawSocketPingPong() {
    }

    /** Runs ping-pong until the sampler says the run is over. */
    static void run(RttSampler sampler) throws IOException, InterruptedException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> serve(server), "raw-follower");
            echo.setDaemon(true);
            echo.start();
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                socket.setTcpNoDelay(true);
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                DataInputStream in = new DataInputStream(socket.getInputStream());
                for (int seq = 0; ; seq = (seq + 1) & 0xFFFFFF) {
                    long sent = System.nanoTime();
                    out.writeInt(0x48 << 24 | seq);
                    in.readInt();
                    long now = System.nanoTime();
                    if (sampler.sample(now, now - sent)) {
                        break;
                    }
                }
            }
            echo.join(1_000);
        }
    }

    private static void serve(ServerSocket server) {
        try (Socket socket = server.accept()) {
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            while (true) {
                out.writeInt(0x41 << 24 | in.readInt() & 0xFFFFFF);
            }
        } catch (EOFException done) {
            // the client closed: the run is over
        } catch (IOException e) {
            // a reset at the end of the run is as good as a close
        }
    }
}
