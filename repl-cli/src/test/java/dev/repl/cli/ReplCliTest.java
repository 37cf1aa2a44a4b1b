package dev.repl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.api.client.HeartbeatProbe;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in-process: parsing, exit codes and what the user reads. */
class ReplCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private NodeServer one;
    private NodeServer two;

    private int run(String... args) {
        return ReplCli.run(new PrintWriter(out), new PrintWriter(err), args);
    }

    private List<String> outLines() {
        return out.toString().lines().toList();
    }

    private List<String> errLines() {
        return err.toString().lines().toList();
    }

    private int follower(String name) {
        NodeServer server = new NodeServer(name, NodeAddress.loopback(0), HeartbeatObserver.NONE);
        if (one == null) {
            one = server;
        } else {
            two = server;
        }
        return server.start().getPort();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @AfterEach
    void closeFollowers() {
        if (one != null) {
            one.close();
        }
        if (two != null) {
            two.close();
        }
    }

    @Test
    void onlyTheNamedSubcommandIsBuiltAndHelpStillListsThemAll() {
        PrintWriter o = new PrintWriter(out);
        assertEquals(Set.of("heartbeat"), ReplCli.forArgs(o, o, "--verbose", "heartbeat", "--timeout", "1s").getSubcommands().keySet());
        assertEquals(Set.of("node", "heartbeat", "status", "put", "get", "cas", "del", "demo", "bench", "selftest"), ReplCli.forArgs(o, o, "--help").getSubcommands().keySet());
        assertEquals(Set.of("node", "heartbeat", "status", "put", "get", "cas", "del", "demo", "bench", "selftest"), ReplCli.forArgs(o, o, "hartbeat").getSubcommands().keySet(),
                "a typo gets every command, so the error can list them");
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("heartbeat") && !out.toString().contains("selftest"), "the hidden self-test is not listed");
    }

    @Test
    void benchWithoutTheRawModuleOffersTheWritePathBenchmarksOnly() {
        // repl-bench-raw is not on this module's class path: what it adds is found at run time, never compiled in.
        assertEquals(ExitCodes.USAGE, run("bench"));
        assertEquals("repl: a benchmark is required: kv, catchup or failover (see 'repl bench --help')", errLines().get(0));
    }

    @Test
    void selfTestAnswersOneHeartbeatInProcess() {
        assertEquals(0, run("selftest"));
        assertEquals("heartbeat: 1/1 followers responded", outLines().get(outLines().size() - 1));
    }

    @Test
    void versionAndHelp() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().startsWith("repl 0.1.0"), out.toString());
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("heartbeat") && out.toString().contains("demo") && out.toString().contains("Exit codes"));
        assertEquals(0, run("node", "--help"));
        assertTrue(out.toString().contains("--heartbeat-interval"));
    }

    @Test
    void heartbeatAgainstTwoFollowersPrintsTheLeaderLinesAndExitsZero() {
        int p1 = follower("cli-f1");
        int p2 = follower("cli-f2");
        assertEquals(0, run("heartbeat", "--followers", "127.0.0.1:" + p1 + ",127.0.0.1:" + p2, "--timeout", "10s"), err.toString());
        assertEquals(List.of(
                "leader: connected to follower-1 on port " + p1,
                "leader: connected to follower-2 on port " + p2,
                "leader: sent heartbeat to 2 followers",
                "heartbeat: 2/2 followers responded"), outLines());
        assertEquals(List.of(), errLines());
    }

    @Test
    void heartbeatWithOneFollowerDownNamesItAndExitsPartial() throws Exception {
        int p1 = follower("cli-g1");
        int down = freePort();
        assertEquals(ExitCodes.PARTIAL, run("heartbeat", "--followers", "127.0.0.1:" + p1 + ",127.0.0.1:" + down));
        assertEquals(List.of(
                "leader: connected to follower-1 on port " + p1,
                "leader: sent heartbeat to 1 follower",
                "leader: follower-2 (127.0.0.1:" + down + ") did not respond: connection refused",
                "heartbeat: 1/2 followers responded"), outLines());
    }

    @Test
    void heartbeatWithEveryFollowerDownExitsWithItsOwnCode() throws Exception {
        assertEquals(ExitCodes.NONE_RESPONDED, run("heartbeat", "--followers", "127.0.0.1:" + freePort(), "--verbose"));
        assertEquals("heartbeat: 0/1 followers responded", outLines().get(outLines().size() - 1));
    }

    @Test
    void durationsNeedAUnit() {
        assertEquals(ExitCodes.USAGE, run("heartbeat", "--timeout", "5"));
        assertEquals(1, errLines().size(), err.toString());
        assertTrue(err.toString().contains("'5' is not a duration; write it with a unit, e.g. 500ms, 2s or 1m"), err.toString());
        assertTrue(err.toString().contains("(see 'repl heartbeat --help')"), err.toString());
    }

    @Test
    void invalidFollowerListsAreUsageErrors() {
        assertEquals(ExitCodes.USAGE, run("heartbeat", "--followers", "127.0.0.1:7001,127.0.0.1:7001"));
        assertEquals(List.of("repl: follower address 127.0.0.1:7001 is given twice (see 'repl heartbeat --help')"), errLines());
        err.getBuffer().setLength(0);
        assertEquals(ExitCodes.USAGE, run("heartbeat", "--followers", "127.0.0.1:99999"));
        assertEquals(1, errLines().size());
        assertTrue(err.toString().contains("port 99999 of 127.0.0.1 is outside 0-65535"), err.toString());
    }

    /** One line on stderr, exit 64, for an option that would do nothing where it was given. */
    private void assertUsageError(String expected, String... args) {
        err.getBuffer().setLength(0);
        assertEquals(ExitCodes.USAGE, run(args), String.join(" ", args));
        assertEquals(1, errLines().size(), err.toString());
        assertTrue(err.toString().startsWith("repl: " + expected), err.toString());
    }

    @Test
    void defaultsAreTheReferenceLayout() {
        assertEquals(NodeAddress.parse("127.0.0.1:7000"), DemoCommand.LEADER);
        assertEquals(List.of(new Peer("follower-1", NodeAddress.parse("127.0.0.1:7001")),
                new Peer("follower-2", NodeAddress.parse("127.0.0.1:7002"))), HeartbeatProbe.named(DemoCommand.FOLLOWERS));
    }

    @Test
    void everySettingTheConfigurationMayRefuseIsNamedByAnOptionOfNode() {
        var node = ReplCli.create(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())).getSubcommands().get("node");
        for (String option : NodeCommand.OPTIONS.values()) {
            assertTrue(node.getCommandSpec().findOption(option) != null, option);
        }
        assertUsageError("--peers: n1 is given twice", "node", "--id", "n1", "--peers", "n1=127.0.0.1:1,n1=127.0.0.1:2,n3=127.0.0.1:3",
                "--data-dir", "target/never-used");
        assertUsageError("--cluster-id: 'a b' must be", "node", "--role", "follower", "--port", "0", "--cluster-id", "a b");
    }

    @Test
    void aMemberIdOutsideLettersDigitsDotsDashesAndUnderscoresIsAUsageError() {
        // A leader is recorded as id#incarnation: with n and n#1 both members, a vote for one would admit the other.
        assertUsageError("--peers: member id 'n#1' must be 1-62 letters, digits, '.', '_' or '-', starting with a letter or digit",
                "node", "--id", "n", "--peers", "n=127.0.0.1:1,n#1=127.0.0.1:2,m=127.0.0.1:3", "--data-dir", "target/never-used",
                "--print-config");
        assertUsageError("--id: 'n#1' must be 1-62 letters", "node", "--id", "n#1", "--peers", "n=127.0.0.1:1,n#1=127.0.0.1:2,m=127.0.0.1:3",
                "--data-dir", "target/never-used", "--print-config");
        assertUsageError("--id: '-n' must be", "node", "--id", "-n", "--peers", "-n=127.0.0.1:1,n=127.0.0.1:2,m=127.0.0.1:3",
                "--data-dir", "target/never-used", "--print-config");
    }

    @Test
    void nodeOptionsThatDoNotFitTheRoleAreUsageErrors() {
        assertUsageError("--once applies to followers only, and this node is a leader", "node", "--role", "leader", "--port", "0", "--once");
        assertUsageError("--leader-timeout applies to followers only", "node", "--role", "leader", "--port", "0", "--leader-timeout", "2s");
        assertUsageError("--followers applies to the leader only, and this node is a follower",
                "node", "--role", "follower", "--port", "0", "--followers", "127.0.0.1:1");
        for (String leaderOnly : new String[] {"--heartbeat-interval=50ms", "--failure-detector=timeout", "--failure-timeout=1s",
                "--phi-threshold=9", "--phi-min-std-dev=20ms", "--phi-acceptable-pause=1s"}) {
            String option = leaderOnly.substring(0, leaderOnly.indexOf('='));
            assertUsageError(option + " applies to the leader only", "node", "--role", "follower", "--port", "0", leaderOnly);
        }
        assertUsageError("--admin-host applies with --admin-port only", "node", "--role", "follower", "--port", "0", "--admin-host", "0.0.0.0");
        assertEquals(ExitCodes.USAGE, run("node", "--role", "boss", "--port", "1"));
        assertEquals(ExitCodes.USAGE, run("node", "--port", "1"));
    }

    @Test
    void detectorOptionsOfTheDetectorNotChosenAreUsageErrors() {
        assertUsageError("--failure-timeout applies to --failure-detector timeout only, and the detector is phi (the default)",
                "node", "--role", "leader", "--port", "0", "--failure-timeout", "1s");
        assertUsageError("--phi-threshold applies to --failure-detector phi only, and the detector is timeout",
                "node", "--role", "leader", "--port", "0", "--failure-detector", "timeout", "--phi-threshold", "5");
        assertUsageError("failure timeout 100ms must be at least twice the heartbeat interval 100ms",
                "node", "--role", "leader", "--port", "0", "--failure-detector", "timeout", "--failure-timeout", "100ms");
    }

    @Test
    void otherOptionsThatWouldDoNothingAreUsageErrors() {
        assertUsageError("--tls-provider applies with --tls-cert, --tls-key and --tls-ca only", "heartbeat", "--tls-provider", "jdk");
        assertUsageError("--interval applies with --watch only", "status", "--interval", "2s");
        assertUsageError("--name: must not contain control characters", "node", "--role", "follower", "--port", "0", "--name", "a\tb");
    }

    @Test
    void aDataDirOfAnotherMemberStopsTheStartWithOneLineNamingBoth(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("copy-of-n1"));
        Files.writeString(dir.resolve("meta.json"), "{\"clusterId\":\"repl\",\"member\":\"n1\",\"currentTerm\":4,\"votedFor\":\"n1\"}");
        String peers = "x1=127.0.0.1:" + freePort() + ",x2=127.0.0.1:" + freePort() + ",x3=127.0.0.1:" + freePort();
        assertEquals(ExitCodes.ERROR, run("node", "--id", "x1", "--peers", peers, "--data-dir", dir.toString()));
        assertEquals(List.of("repl: x1: cannot use data dir " + dir + ": data dir " + dir + " belongs to member 'n1', not 'x1' (--id)"), errLines());
        err.getBuffer().setLength(0);
        assertEquals(ExitCodes.ERROR, run("node", "--role", "follower", "--port", "0", "--name", "follower-2", "--data-dir", dir.toString()));
        assertEquals(List.of("repl: follower-2: cannot use data dir " + dir + ": data dir " + dir + " belongs to member 'n1', not 'follower-2'"
                + " (--name)"), errLines());
    }

    @Test
    void aCommandIsRequired() {
        assertEquals(ExitCodes.USAGE, run());
        assertEquals(List.of("repl: a command is required: node, heartbeat, status, put, get, cas, del or demo (see 'repl --help')"), errLines());
    }
}
