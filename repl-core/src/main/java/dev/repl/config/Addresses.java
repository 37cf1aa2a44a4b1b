package dev.repl.config;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Socket addresses as logs and status show them. */
public final class Addresses {

    private Addresses() {
    }

    /** {@code 127.0.0.1:38480}, without the leading slash of {@link InetSocketAddress#toString()}. */
    public static String format(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getHostString() + ":" + inet.getPort() : String.valueOf(address);
    }
}
