package dev.repl.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Separate hosts on one machine: each in its own network namespace with its own address in
 * 198.18.0.0/24 (reserved for network benchmarking), joined by veth pairs to a bridge that lives
 * in a namespace of its own, so the machine's own network is never touched. Names carry
 * {@code replit-PID-N-}; {@link #close} deletes every namespace (and with them their links,
 * addresses and firewall rules), and a shutdown hook does the same if the JVM dies first.
 */
final class NetnsHosts implements AutoCloseable {

    private static final AtomicInteger RUNS = new AtomicInteger();

    private final String prefix = Netns.PROJECT_PREFIX + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet() + "-";
    private final List<String> created = new ArrayList<>();
    private final Thread hook = new Thread(this::deleteNamespaces, "netns-cleanup");

    /** Makes {@code hosts} hosts, numbered from 0, and the bridge between them. */
    NetnsHosts(int hosts) {
        Runtime.getRuntime().addShutdownHook(hook);
        String bridge = prefix + "br";
        namespace(bridge);
        Netns.run("ip", "-n", bridge, "link", "add", "br0", "type", "bridge");
        Netns.run("ip", "-n", bridge, "link", "set", "br0", "up");
        for (int host = 0; host < hosts; host++) {
            String ns = namespace(host);
            namespace(ns);
            Netns.run("ip", "-n", bridge, "link", "add", "v" + host, "type", "veth", "peer", "name", "eth0", "netns", ns);
            Netns.run("ip", "-n", bridge, "link", "set", "v" + host, "master", "br0", "up");
            Netns.run("ip", "-n", ns, "addr", "add", address(host) + "/24", "dev", "eth0");
            Netns.run("ip", "-n", ns, "link", "set", "eth0", "up");
        }
    }

    String prefix() {
        return prefix;
    }

    String namespace(int host) {
        return prefix + "n" + host;
    }

    static String address(int host) {
        return "198.18.0." + (10 + host);
    }

    private void namespace(String name) {
        Netns.run("ip", "netns", "add", name);
        created.add(name);
        Netns.run("ip", "-n", name, "link", "set", "lo", "up");
    }

    /** The command prefix that runs a program inside {@code host}. */
    List<String> inside(int host) {
        return List.of("ip", "netns", "exec", namespace(host));
    }

    /** Loads an nftables ruleset into one host's own firewall: it filters that host's traffic only. */
    void firewall(int host, String rules) {
        Netns.runWithInput(rules, "ip", "netns", "exec", namespace(host), "nft", "-f", "-");
    }

    /** Removes every rule of that host. */
    void clearFirewall(int host) {
        Netns.run("ip", "netns", "exec", namespace(host), "nft", "flush", "ruleset");
    }

    @Override
    public void close() {
        deleteNamespaces();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void deleteNamespaces() {
        for (String name : created) {
            try {
                Netns.run("ip", "netns", "delete", name);
            } catch (RuntimeException gone) {
                // already deleted
            }
        }
        created.clear();
    }
}
