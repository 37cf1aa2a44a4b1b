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
     * ({@code [v6]:port}): that address, but when it is bound to every interface (0.0.0.0, ::), at
     * {@code knownHost}, the host others know this node by. "" when neither names one: a hint to
     * 0.0.0.0 would send a client to itself.
     */
    public static String advertised(InetSocketAddress bound, String knownHost) {
        if (bound.getAddress() == null || !bound.getAddress().isAnyLocalAddress()) {
            return new NodeAddress(bound.getAddress() == null ? bound.getHostString() : NetUtil.toAddressString(bound.getAddress()),
                    bound.getPort()).toString();
        }
        return isWildcard(knownHost) ? "" : new NodeAddress(knownHost, bound.getPort()).toString();
    }

    /**
     * A leader's client address as a follower passes it on: a loopback host, which a leader states
     * when it knows no other (a fixed leader's --host defaults to 127.0.0.1), is replaced by the
     * host its stream comes from, unless that is loopback too. No name is looked up.
     */
    public static String reachable(String hint, SocketAddress streamFrom) {
        if (hint.isEmpty() || !(streamFrom instanceof InetSocketAddress from) || from.getAddress() == null
                || from.getAddress().isLoopbackAddress()) {
            return hint;
        }
        NodeAddress stated;
        try {
            stated = NodeAddress.parse(hint);
        } catch (IllegalArgumentException e) {
            return hint;
        }
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(stated.host());
        return literal != null && literal.isLoopbackAddress() ? new NodeAddress(NetUtil.toAddressString(from.getAddress()), stated.port()).toString() : hint;
    }

    /** An address literal for every interface; a name is never looked up here (it is not one). */
    private static boolean isWildcard(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(h);
        return literal != null && literal.isAnyLocalAddress();
    }
}
