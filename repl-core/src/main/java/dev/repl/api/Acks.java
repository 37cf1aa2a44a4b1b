package dev.repl.api;

/** Which durable copies a write needs before it commits and is answered. */
public enum Acks {
    /** The leader's own fsync: like PostgreSQL's {@code synchronous_commit = local}, Kafka's {@code acks=1}. */
    LEADER,
    /** A majority of the cluster, the leader included: Raft's rule; survives the loss of any minority. */
    QUORUM,
    /** Every node: like Kafka's {@code acks=all} with {@code min.insync.replicas} at the cluster's size; stops at one node down. */
    ALL;

    /** Durable copies needed in a cluster of {@code nodes}, the leader included. */
    public int needed(int nodes) {
        return switch (this) {
            case LEADER -> 1;
            case QUORUM -> nodes / 2 + 1;
            case ALL -> nodes;
        };
    }
}
