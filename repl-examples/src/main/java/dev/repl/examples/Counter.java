package dev.repl.examples;

import dev.repl.api.*;
import java.io.*;
import java.nio.ByteBuffer;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;

/** A counter replicated on three members that elect their leader, all in this JVM. */
public final class Counter implements StateMachine {
    private volatile long value; // written by apply, read by query on another thread

    public byte[] apply(long index, byte[] command) {
        value += ByteBuffer.wrap(command).getLong();
        return query(command);
    }
    public byte[] query(byte[] request) { return ByteBuffer.allocate(8).putLong(value).array(); }
    public void snapshot(OutputStream out) throws IOException { new DataOutputStream(out).writeLong(value); }
    public void restore(InputStream in) throws IOException { value = new DataInputStream(in).readLong(); }

    /** Starts the members, adds 1, 2 and 3 through the elected leader, and returns the count it reads back. */
    public static long run(List<Peer> peers, Path dataDir) throws Exception {
        CompletableFuture<String> elected = new CompletableFuture<>();
        NodeListener listener = new NodeListener() {
            public void leaderChanged(String leader) { if (leader != null) elected.complete(leader); }
        };
        List<ReplNode> nodes = new ArrayList<>();
        try {
            for (Peer p : peers) {
                NodeConfig config = NodeConfig.peer(p.name(), peers).dataDir(dataDir.resolve(p.name())).build();
                nodes.add(ReplNode.create(config, new Counter(), listener).start());
            }
            String id = elected.get(30, TimeUnit.SECONDS);
            ReplNode leader = nodes.stream().filter(n -> n.config().name().equals(id)).findFirst().orElseThrow();
            for (long add = 1; add <= 3; add++) {
                Outcome outcome = leader.propose(ByteBuffer.allocate(8).putLong(add).array()).get();
                System.out.println("add " + add + " on " + id + ": " + outcome);
            }
            return ByteBuffer.wrap(leader.query(new byte[0]).get()).getLong(); // linearizable: sees all three
        } finally {
            nodes.forEach(ReplNode::close);
        }
    }

    public static void main(String[] args) throws Exception {
        List<Peer> peers = List.of(new Peer("n1", NodeAddress.parse("127.0.0.1:7101")),
                new Peer("n2", NodeAddress.parse("127.0.0.1:7102")), new Peer("n3", NodeAddress.parse("127.0.0.1:7103")));
        System.out.println("count: " + run(peers, Files.createTempDirectory("counter")));
    }
}
