package dev.repl.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code ip} and {@code nft}: bounded in time, and a failure is an exception naming the command. */
final class Netns {

    /** Every namespace this project makes starts with this, so a later run can sweep up after a crashed one. */
    static final String PROJECT_PREFIX = "replit-";

    private Netns() {
    }

    /** Why the fault drills cannot run here, or null when they can. */
    static String missingPrerequisite() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "fault drills need root (network namespaces and nftables)";
        }
        for (String tool : new String[] {"/usr/sbin/ip", "/usr/sbin/nft", "/usr/bin/curl"}) {
            if (!new java.io.File(tool).canExecute()) {
                return "fault drills need " + tool + " (apt-get install -y iproute2 nftables curl)";
            }
        }
        return null;
    }

    static String run(String... command) {
        return runWithInput(null, command);
    }

    /** @param stdin written to the command's standard input, or null */
    static String runWithInput(String stdin, String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (stdin != null) {
                process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": no answer in 30 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue() + ": " + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<String> namespaces() {
        List<String> names = new ArrayList<>();
        for (String line : run("ip", "netns", "list").split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip().split("\\s+")[0]);
            }
        }
        return names;
    }

    /**
     * Deletes this project's namespaces whose run is over: names are {@code replit-PID-...}, and a
     * namespace whose PID no longer runs was left by a crashed run. Deleting a namespace takes
     * its links, addresses and nftables rules with it.
     */
    static List<String> sweep() {
        List<String> swept = new ArrayList<>();
        for (String name : namespaces()) {
            if (name.startsWith(PROJECT_PREFIX)) {
                String pid = name.substring(PROJECT_PREFIX.length()).split("-")[0];
                boolean alive;
                try {
                    alive = ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
                } catch (NumberFormatException e) {
                    alive = false;
                }
                if (!alive) {
                    run("ip", "netns", "delete", name);
                    swept.add(name);
                }
            }
        }
        return swept;
    }
}
