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

    /**
     * Where other machines are sent to reach a server bound at {@code bound}: that address, but
     * when it is bound to every interface (0.0.0.0, ::), at {@code knownHost}, the host others
     * know this node by. "" when neither names one: a hint to 0.0.0.0 would send a client to itself.
     */
    public static String advertised(InetSocketAddress bound, String knownHost) {
        if (bound.getAddress() == null || !bound.getAddress().isAnyLocalAddress()) {
            return format(bound);
        }
        return isWildcard(knownHost) ? "" : knownHost + ":" + bound.getPort();
    }

    /** A literal for every interface; a name is looked up by whoever uses it, never here. */
    private static boolean isWildcard(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        // IPv6's unspecified address is every spelling of zeros and colons: ::, 0::0, 0:0:0:0:0:0:0:0.
        return h.equals("0.0.0.0") || h.contains(":") && h.chars().allMatch(c -> c == '0' || c == ':');
    }
}
