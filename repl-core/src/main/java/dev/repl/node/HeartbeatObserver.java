package dev.repl.node;

import io.netty.channel.Channel;

/** Told on a node's event loop each time it has answered a heartbeat. Must not block. */
@FunctionalInterface
public interface HeartbeatObserver {

    HeartbeatObserver NONE = (channel, sequence) -> { };

    void ackSent(Channel channel, int sequence);
}
