package dev.repl.api;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where a node listens: a host name or IP literal and a TCP port. Port 0 means "any free port"
 * and is only meaningful for an address a node binds, never for one it connects to.
 */
public record NodeAddress(String host, int port) {

    public static final int MAX_PORT = 65_535;

    public NodeAddress {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > MAX_PORT) {
            throw new IllegalArgumentException("port " + port + " of " + host + " is outside 0-" + MAX_PORT);
        }
    }

    public static NodeAddress loopback(int port) {
        return new NodeAddress("127.0.0.1", port);
    }

    /** Parses {@code host:port}, {@code [v6-literal]:port}, or a bare {@code port} meaning loopback. */
    public static NodeAddress parse(String text) {
        String s = Objects.requireNonNull(text, "address").strip();
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            return loopback(parsePort(s, text));
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + text + "' is not host:port (write IPv6 hosts as [::1]:7001)");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no host before the port");
        }
        return new NodeAddress(host, parsePort(s.substring(colon + 1), text));
    }

    private static int parsePort(String port, String text) {
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no valid port (expected host:port, e.g. 127.0.0.1:7001)");
        }
    }

    /**
     * The address to connect to: resolved at once for an IP literal, which needs no lookup;
     * unresolved for a host name, which the bootstrap's resolver looks up off the event loop.
     */
    public InetSocketAddress toSocketAddress() {
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(host);
        return literal != null ? new InetSocketAddress(literal, port) : InetSocketAddress.createUnresolved(host, port);
    }

    public boolean isLoopback() {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
