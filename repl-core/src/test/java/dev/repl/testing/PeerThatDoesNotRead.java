package dev.repl.testing;

import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * An {@link EmbeddedChannel} whose peer takes nothing: what is written and flushed stays queued,
 * as on a socket whose receiver never reads, until {@link #peerReads} is called.
 */
public final class PeerThatDoesNotRead extends EmbeddedChannel {

    private boolean reading;

    /** The peer takes everything queued, and whatever comes later. */
    public void peerReads() {
        reading = true;
        flush();
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (reading) {
            super.doWrite(in);
        }
    }
}
