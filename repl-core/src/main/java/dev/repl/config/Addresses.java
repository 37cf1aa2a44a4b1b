package dev.repl.config;

import dev.repl.api.NodeAddress;
import io.netty.util.NetUtil;
import java.net.InetAddress;
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
     * Where other machines are sent to reach a server bound at {@code bound}, as {@code host:port}
     * ({@code [v6]:port}): that address; but when it is bound to every interface (0.0.0.0, ::), at
     * {@code knownHost}, the host others know this node by, or, when that is loopback or a wildcard
     * too, {@code :port}: at whatever host the one told sees this node at ({@link #reachable}).
     */
    public static String advertised(InetSocketAddress bound, String knownHost) {
        if (bound.getAddress() == null || !bound.getAddress().isAnyLocalAddress()) {
            return new NodeAddress(bound.getAddress() == null ? bound.getHostString() : NetUtil.toAddressString(bound.getAddress()),
                    bound.getPort()).toString();
        }
        String host = unbracketed(knownHost);
        return isLoopbackOrWildcard(host) ? ":" + bound.getPort() : new NodeAddress(host, bound.getPort()).toString();
    }

    private static String unbracketed(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * A leader's client address as a follower passes it on: {@code :port} is completed with the
     * host the leader's stream comes from ("" when that is not known); any other is passed on as
     * it is. No name is looked up.
     */
    public static String reachable(String hint, SocketAddress streamFrom) {
        if (!hint.startsWith(":")) {
            return hint;
        }
        if (!(streamFrom instanceof InetSocketAddress from) || from.getAddress() == null) {
            return "";
        }
        try {
            return new NodeAddress(NetUtil.toAddressString(from.getAddress()), Integer.parseInt(hint.substring(1))).toString();
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** localhost, or an address literal for loopback or every interface; a name is never looked up here. */
    private static boolean isLoopbackOrWildcard(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(host);
        return literal != null && (literal.isAnyLocalAddress() || literal.isLoopbackAddress());
    }
}
