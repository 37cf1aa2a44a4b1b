package dev.repl.api;

import dev.repl.handshake.Identity;
import java.util.Objects;

/** A node as another node knows it: a display name ({@code follower-1}) and the address it listens on. */
public record Peer(String name, NodeAddress address) {

    public Peer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        if (name.isBlank()) {
            throw new IllegalArgumentException("peer name must not be empty");
        }
        Identity.checkName(name); // it travels in hellos and votes
        if (address.port() == 0) {
            throw new IllegalArgumentException(name + ": port 0 cannot be connected to; give the follower's real port");
        }
    }

    @Override
    public String toString() {
        return name + " (" + address + ")";
    }
}
