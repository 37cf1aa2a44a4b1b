package dev.repl.election;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Nodes running {@link Election} on a simulated clock and network: messages take 1–3 ms, links can
 * be cut one way or both, nodes can be stopped and restarted with their durable term and vote. A
 * leader heartbeats every tenth of the election timeout, and counts a majority's answers for
 * check-quorum, as the node's failure detectors do. Deterministic for a seed.
 */
final class SimulatedCluster {

    static final long TIMEOUT = TimeUnit.MILLISECONDS.toNanos(500);
    static final long HEARTBEAT = TIMEOUT / 10;

    private record Event(long at, long seq, Runnable action) {
    }

    static final class Disk implements Election.Storage {
        long term;
        String votedFor;
        int saves;

        @Override
        public long term() {
            return term;
        }

        @Override
        public String votedFor() {
            return votedFor;
        }

        @Override
        public boolean save(long term, String votedFor) {
            if (term < this.term) {
                throw new AssertionError("term went back from " + this.term + " to " + term);
            }
            if (term == this.term && this.votedFor != null && votedFor != null && !MemberId.sameNode(this.votedFor, votedFor)) {
                throw new AssertionError("a second vote in term " + term + ": " + this.votedFor + " then " + votedFor);
            }
            this.term = term;
            this.votedFor = votedFor;
            saves++;
            return true;
        }
    }

    static final class Log implements Election.LogEnd {
        long lastIndex;
        long lastTerm;

        @Override
        public long[] end() {
            return new long[] {lastIndex, lastTerm};
        }
    }

    final class Node implements Election.Effects {
        final String id;
        final Disk disk = new Disk();
        final Log log = new Log();
        Election election;
        boolean up = true;
        final Map<String, Long> acks = new HashMap<>();
        final List<String> changes = new ArrayList<>();
        /** The terms this node led, and when it took each. */
        final Map<Long, Long> led = new HashMap<>();
        /** Vote and pre-vote requests it sent. */
        int requestsSent;

        Node(String id) {
            this.id = id;
        }

        void boot() {
            List<String> others = new ArrayList<>(nodes.keySet());
            others.remove(id);
            election = new Election(id, others, TIMEOUT, disk, log, this, new Random(random.nextLong()));
            election.start(now);
            acks.clear();
        }

        @Override
        public void send(String peer, Election.VoteRequest request) {
            requestsSent++;
            deliver(id, peer, () -> {
                Election.VoteResponse response = node(peer).election.receive(request, now);
                deliver(peer, id, () -> election.receive(response, now));
            });
        }

        @Override
        public void roleChanged(Election.Role role, long term, String leader, String why) {
            changes.add(role + " " + term + " " + leader + ": " + why);
            if (role == Election.Role.LEADER) {
                led.put(term, now);
                acks.clear();
            }
        }

        void heartbeat() {
            if (!up || election.role() != Election.Role.LEADER) {
                return;
            }
            long term = election.term();
            for (String peer : nodes.keySet()) {
                if (peer.equals(id)) {
                    continue;
                }
                deliver(id, peer, () -> {
                    Node follower = node(peer);
                    boolean current = follower.election.leaderHeard(term, id, now);
                    long followerTerm = follower.election.term();
                    deliver(peer, id, () -> {
                        if (!current) {
                            election.termSeen(followerTerm, peer + " is in term " + followerTerm, now);
                        } else if (election.role() == Election.Role.LEADER && election.term() == term) {
                            acks.put(peer, now);
                            long heard = acks.values().stream().filter(t -> now - t < TIMEOUT / 2).count();
                            if (heard + 1 >= nodes.size() / 2 + 1) {
                                election.quorumContact(now);
                            }
                        }
                    });
                });
            }
        }
    }

    private final Random random;
    private final Map<String, Node> nodes = new java.util.LinkedHashMap<>();
    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private final Set<String> cut = new HashSet<>();
    private long seq;
    long now;

    SimulatedCluster(long seed, String... ids) {
        random = new Random(seed);
        for (String id : ids) {
            nodes.put(id, new Node(id));
        }
        nodes.values().forEach(Node::boot);
        schedule(0, this::tickAll);
    }

    Node node(String id) {
        return nodes.get(id);
    }

    List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    private void tickAll() {
        for (Node n : nodes.values()) {
            if (n.up) {
                n.election.tick(now);
                if (now % HEARTBEAT < TimeUnit.MILLISECONDS.toNanos(1)) {
                    n.heartbeat();
                }
            }
        }
        schedule(TimeUnit.MILLISECONDS.toNanos(1), this::tickAll);
    }

    private void schedule(long delay, Runnable action) {
        events.add(new Event(now + delay, seq++, action));
    }

    /** Sends from one node to another: lost when either is down or the link is cut, else there in 1–3 ms. */
    private void deliver(String from, String to, Runnable action) {
        if (!node(from).up || cut.contains(from + ">" + to)) {
            return;
        }
        schedule(TimeUnit.MICROSECONDS.toNanos(1000 + random.nextInt(2000)), () -> {
            if (node(to).up && !cut.contains(from + ">" + to)) {
                action.run();
            }
        });
    }

    void run(long nanos) {
        long until = now + nanos;
        while (!events.isEmpty() && events.peek().at <= until) {
            Event e = events.poll();
            now = e.at;
            e.action.run();
        }
        now = until;
    }

    void runMillis(long ms) {
        run(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    /** Cuts both directions between {@code a} and every other node. */
    void isolate(String a) {
        for (String b : nodes.keySet()) {
            if (!b.equals(a)) {
                cut.add(a + ">" + b);
                cut.add(b + ">" + a);
            }
        }
    }

    void cutOneWay(String from, String to) {
        cut.add(from + ">" + to);
    }

    void heal() {
        cut.clear();
    }

    void stop(String id) {
        node(id).up = false;
    }

    /** Restarts a stopped node with what was durable: its term, vote and log. */
    void restart(String id) {
        Node n = node(id);
        n.up = true;
        n.boot();
    }

    /** The nodes that are up and believe they lead. */
    List<Node> leaders() {
        return nodes.values().stream().filter(n -> n.up && n.election.role() == Election.Role.LEADER).toList();
    }

    /** The one leader every up node agrees on, or null. */
    Node agreedLeader() {
        List<Node> leaders = leaders();
        if (leaders.size() != 1) {
            return null;
        }
        Node leader = leaders.get(0);
        for (Node n : nodes.values()) {
            if (n.up && n != leader && !cut.contains(leader.id + ">" + n.id)
                    && (!leader.id.equals(n.election.leader()) || n.election.term() != leader.election.term())) {
                return null;
            }
        }
        return leader;
    }
}
