package dev.repl.api;

/** How a leader decides that a silent follower has failed. */
public enum DetectorPolicy {
    /** No ack for a fixed time. Predictable; needs tuning to the network. */
    TIMEOUT,
    /** Phi accrual (Hayashibara et al. 2004): suspicion grows with silence measured against the observed ack intervals. */
    PHI
}
