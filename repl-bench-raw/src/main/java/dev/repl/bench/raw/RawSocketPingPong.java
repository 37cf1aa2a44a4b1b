package dev.repl.bench.raw;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor a heartbeat layer is measured against: the same 4-byte ping-pong over plain blocking
 * sockets with TCP_NODELAY, one thread per side, nothing else.
 */
final class RawSocketPingPong {

    private RawSocketPingPong() {
    }

    /** Runs {@code connections} ping-pongs at once, each with its own pair of threads, until the sampler says the run is over. */
    static void run(RttSampler sampler, int connections) throws IOException, InterruptedException {
        try (ServerSocket server = new ServerSocket(0, connections, InetAddress.getLoopbackAddress())) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                Thread echo = new Thread(() -> serve(server), "raw-follower-" + i);
                echo.setDaemon(true);
                echo.start();
                threads.add(echo);
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                Thread leader = new Thread(() -> pingPong(socket, sampler), "raw-leader-" + i);
                leader.setDaemon(true);
                threads.add(leader);
            }
            for (Thread thread : threads) {
                if (thread.getName().startsWith("raw-leader")) {
                    thread.start();
                }
            }
            for (Thread thread : threads) {
                thread.join(60_000);
            }
        }
    }

    private static void pingPong(Socket connection, RttSampler sampler) {
        try (Socket socket = connection) {
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
