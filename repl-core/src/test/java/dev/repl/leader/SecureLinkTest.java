package dev.repl.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.ConnectionOptions;
import dev.repl.api.NodeAddress;
import dev.repl.api.Peer;
import dev.repl.api.TlsConfig;
import dev.repl.api.client.FailureReason;
import dev.repl.api.client.FollowerOutcome;
import dev.repl.handshake.ClusterId;
import dev.repl.handshake.Identity;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.testing.TestPki;
import dev.repl.testing.Threads;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.TlsContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may join: mutual TLS and the cluster hello, between in-process nodes over real sockets. */
class SecureLinkTest {

    @TempDir
    static Path dir;

    static TestPki cluster;
    static LinkSecurity follower;
    static LinkSecurity leader;

    @BeforeAll
    static void certificates() {
        cluster = TestPki.create(dir, "cluster");
        follower = tls(cluster.issue("follower-1"), ClusterId.DEFAULT);
        leader = tls(cluster.issue("leader"), ClusterId.DEFAULT);
    }

    private static LinkSecurity tls(TlsConfig config, ClusterId clusterId) {
        return new LinkSecurity(clusterId, TlsContexts.load(config));
    }

    /** One heartbeat from a leader with {@code as} to a follower with {@code security}. */
    private static FollowerOutcome check(LinkSecurity security, LinkSecurity as) {
        try (NodeServer server = new NodeServer("sl-follower", NodeAddress.loopback(0), ConnectionOptions.defaults(), security, HeartbeatObserver.NONE)) {
            Peer peer = new Peer("follower-1", NodeAddress.loopback(server.start().getPort()));
            try (HeartbeatCheck check = new HeartbeatCheck(Identity.probe("sl-leader"), List.of(peer), Duration.ofSeconds(10), false, as)) {
                return check.run().outcomes().get(0);
            }
        } finally {
            Threads.assertNoneLeft("sl-");
        }
    }

    @Test
    void leaderWithACertificateFromTheClusterCaGetsAnAck() {
        FollowerOutcome outcome = check(follower, leader);
        assertTrue(outcome.responded(), outcome.failure());
    }

    @Test
    void plaintextLeaderIsToldThatTheFollowerRequiresTls() {
        FollowerOutcome outcome = check(follower, LinkSecurity.PLAINTEXT);
        assertEquals(FailureReason.TLS_FAILED, outcome.reason(), outcome.failure());
        assertEquals("TLS failure: the peer requires TLS and this end has it off (--tls-cert, --tls-key, --tls-ca)", outcome.failure());
    }

    @Test
    void leaderWithoutACertificateIsRefused() throws Exception {
        SslContext trustOnly = SslContextBuilder.forClient().trustManager(cluster.caFile().toFile())
                .endpointIdentificationAlgorithm(null).protocols("TLSv1.3").build();
        FollowerOutcome outcome = check(follower, new LinkSecurity(ClusterId.DEFAULT, new TlsContexts(trustOnly, trustOnly)));
        assertEquals(FailureReason.TLS_FAILED, outcome.reason(), outcome.failure());
        assertTrue(outcome.failure().startsWith("TLS failure: the peer "), outcome.failure());
    }

    @Test
    void selfSignedLeaderIsRefused() {
        FollowerOutcome outcome = check(follower, tls(cluster.selfSigned("intruder"), ClusterId.DEFAULT));
        assertEquals(FailureReason.TLS_FAILED, outcome.reason(), outcome.failure());
    }

    @Test
    void leaderFromAnotherCaIsRefused() {
        TestPki other = TestPki.create(dir, "other");
        TlsConfig stranger = other.issue("stranger");
        // It trusts our CA, so only the follower's check of its certificate can refuse it.
        FollowerOutcome outcome = check(follower, tls(new TlsConfig(stranger.certificate(), stranger.privateKey(), cluster.caFile()), ClusterId.DEFAULT));
        assertEquals(FailureReason.TLS_FAILED, outcome.reason(), outcome.failure());
    }

    @Test
    void tlsLeaderAgainstAPlaintextFollowerIsNamedAsATlsFailure() {
        FollowerOutcome outcome = check(LinkSecurity.PLAINTEXT, leader);
        assertEquals("TLS failure: connection closed during the TLS handshake (is TLS off at the peer?)", outcome.failure());
    }

    @Test
    void leaderOfAnotherClusterIsRejectedOverTls() {
        FollowerOutcome outcome = check(follower, new LinkSecurity(ClusterId.of("staging"), leader.tls()));
        assertEquals(FailureReason.REJECTED, outcome.reason());
        assertEquals("rejected by peer: cluster id mismatch: peer expected a219, we sent " + ClusterId.of("staging").hexTag(), outcome.failure());
    }

    @Test
    void aKeyThatIsNotAKeyIsOneLineNamingTheFiles() throws Exception {
        TlsConfig good = cluster.issue("broken");
        Path notAKey = Files.writeString(dir.resolve("not-a-key.pem"), "hello\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsContexts.load(new TlsConfig(good.certificate(), notAKey, good.ca())));
        assertTrue(e.getMessage().startsWith("cannot use TLS certificate " + good.certificate() + ", key " + notAKey + " and CA "), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new TlsConfig(good.certificate(), dir.resolve("nope.key"), good.ca()));
        assertEquals("TLS private key " + dir.resolve("nope.key") + ": no such file", missing.getMessage());
    }
}
