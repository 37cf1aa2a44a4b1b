package dev.repl.node;

import io.netty.channel.ChannelHandler;

/** What a node does with the replication streams a leader opens to it: a follower with a log takes them. */
public interface ReplicationStreams {

    /** A handler for one more stream, in the place of the heartbeat handler, once the hello is accepted. */
    ChannelHandler newStream();

    /** The largest frame a stream may carry ({@code --max-frame-bytes}). */
    int maxFrameBytes();
}
