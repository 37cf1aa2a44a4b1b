package dev.repl.config;

import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One leader and the followers it replicates to. Validated once here, so nothing downstream
 * has to re-check ports, duplicates or an empty follower list.
 */
public record ReplicationConfig(NodeAddress leader, List<Peer> followers) {

    /**
     * Followers one leader may have. Each is one TCP connection and a few hundred bytes of state;
     * the bound keeps a typo in a generated list from opening tens of thousands of sockets.
     */
    public static final int MAX_FOLLOWERS = 10_000;

    public ReplicationConfig {
        Objects.requireNonNull(leader, "leader");
        followers = checkFollowers(followers, leader);
    }

    /**
     * Validates a follower list on its own, as a one-shot check that has no leader address needs.
     *
     * @param leader the leader's address, which no follower may share, or null when there is none
     * @return an immutable copy
     */
    public static List<Peer> checkFollowers(List<Peer> followers, NodeAddress leader) {
        List<Peer> copy = List.copyOf(Objects.requireNonNull(followers, "followers"));
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("at least one follower is needed");
        }
        if (copy.size() > MAX_FOLLOWERS) {
            throw new IllegalArgumentException(copy.size() + " followers given; at most " + MAX_FOLLOWERS + " are supported");
        }
        Set<NodeAddress> addresses = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Peer follower : copy) {
            if (follower.address().equals(leader)) {
                throw new IllegalArgumentException("follower address " + follower.address() + " is the leader's own address");
            }
            if (!addresses.add(follower.address())) {
                throw new IllegalArgumentException("follower address " + follower.address() + " is given twice");
            }
            if (!names.add(follower.name())) {
                throw new IllegalArgumentException("follower name " + follower.name() + " is given twice");
            }
        }
        return copy;
    }

    /** Names the followers {@code follower-1}, {@code follower-2}, ... in the order given. */
    public static ReplicationConfig of(NodeAddress leader, List<NodeAddress> followers) {
        return new ReplicationConfig(leader, namedFollowers(followers));
    }

    public static List<Peer> namedFollowers(List<NodeAddress> addresses) {
        List<Peer> peers = new ArrayList<>(addresses.size());
        for (NodeAddress address : addresses) {
            peers.add(new Peer("follower-" + (peers.size() + 1), address));
        }
        return peers;
    }
}
