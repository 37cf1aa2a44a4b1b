package dev.repl.examples;

import dev.repl.api.NodeAddress;
import dev.repl.api.NodeConfig;
import dev.repl.api.NodeListener;
import dev.repl.api.Outcome;
import dev.repl.api.Peer;
import dev.repl.api.ReplNode;
import dev.repl.api.Role;
import dev.repl.api.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A map of strings replicated on three elected members: a write through the leader survives the
 * leader's loss, and a follower reads what it has applied without asking the leader.
 * Commands are {@code key=value} in UTF-8; a query is a key.
 */
public final class ReplicatedMap implements StateMachine {

    // Applied on one thread, queried on others: a concurrent map, replaced whole on restore.
    private volatile Map<String, String> entries = new ConcurrentHashMap<>();

    @Override
    public byte[] apply(long index, byte[] command) {
        String text = new String(command, StandardCharsets.UTF_8);
        int eq = text.indexOf('=');
        String previous = entries.put(text.substring(0, eq), text.substring(eq + 1));
        return previous == null ? new byte[0] : previous.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] query(byte[] key) {
        String value = entries.get(new String(key, StandardCharsets.UTF_8));
        return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void snapshot(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        Map<String, String> sorted = new TreeMap<>(entries); // the same bytes on every node at the same index
        data.writeInt(sorted.size());
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            data.writeUTF(e.getKey());
            data.writeUTF(e.getValue());
        }
        data.flush();
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        Map<String, String> restored = new ConcurrentHashMap<>();
        for (int n = data.readInt(); n > 0; n--) {
            restored.put(data.readUTF(), data.readUTF());
        }
        entries = restored;
    }

    /**
     * Writes {@code city=Lisbon} through the leader, stops the leader, waits for the other two to
     * elect another, and reads the value there (linearizable) and on the follower (stale).
     *
     * @return the value the new leader reads
     */
    public static String run(List<Peer> peers, Path dataDir) throws Exception {
        List<ReplNode> nodes = new ArrayList<>();
        try {
            for (Peer p : peers) {
                NodeConfig config = NodeConfig.peer(p.name(), peers).dataDir(dataDir.resolve(p.name())).build();
                nodes.add(ReplNode.create(config, new ReplicatedMap(), NodeListener.NONE).start());
            }
            ReplNode first = awaitLeader(nodes);
            Outcome put = first.propose("city=Lisbon".getBytes(StandardCharsets.UTF_8)).get();
            System.out.println("put city=Lisbon on " + first.config().name() + ": " + put);
            if (!(put instanceof Outcome.Committed)) {
                throw new IllegalStateException("the write did not commit: " + put);
            }
            first.close();
            nodes.remove(first);
            ReplNode second = awaitLeader(nodes);
            String value = new String(second.query(bytes("city")).get(), StandardCharsets.UTF_8);
            System.out.println(first.config().name() + " stopped; " + second.config().name() + " leads and reads city=" + value);
            for (ReplNode n : nodes) {
                if (n != second) {
                    byte[] stale = n.queryStale(bytes("city"));
                    System.out.println(n.config().name() + " (follower) has applied city="
                            + (stale == null ? "(not yet)" : new String(stale, StandardCharsets.UTF_8)));
                }
            }
            return value;
        } finally {
            nodes.forEach(ReplNode::close);
        }
    }

    /** The member that leads, once one does. */
    private static ReplNode awaitLeader(List<ReplNode> nodes) throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (ReplNode n : nodes) {
                if (n.role() == Role.LEADER) {
                    return n;
                }
            }
            Thread.sleep(20); // an example's wait for an election, not a test's
        }
        throw new ExecutionException(new IllegalStateException("no leader within 30 s"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        List<Peer> peers = List.of(new Peer("n1", NodeAddress.parse("127.0.0.1:7201")),
                new Peer("n2", NodeAddress.parse("127.0.0.1:7202")), new Peer("n3", NodeAddress.parse("127.0.0.1:7203")));
        run(peers, Files.createTempDirectory("replicated-map"));
    }
}
