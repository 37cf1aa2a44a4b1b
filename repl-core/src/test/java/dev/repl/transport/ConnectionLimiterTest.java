package dev.repl.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {

    @Test
    void connectionsOverTheCapAreClosedAndASlotFreesOnClose() {
        ConnectionLimiter limiter = new ConnectionLimiter("cl", 2);
        EmbeddedChannel first = new EmbeddedChannel();
        EmbeddedChannel second = new EmbeddedChannel();
        EmbeddedChannel third = new EmbeddedChannel();
        assertTrue(limiter.admit(first));
        assertTrue(limiter.admit(second));
        assertFalse(limiter.admit(third));
        assertFalse(third.isOpen(), "refused at once");
        assertEquals(2, limiter.open());

        first.close();
        assertEquals(1, limiter.open());
        EmbeddedChannel fourth = new EmbeddedChannel();
        assertTrue(limiter.admit(fourth));
        second.finishAndReleaseAll();
        fourth.finishAndReleaseAll();
    }
}
