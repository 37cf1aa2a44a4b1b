package dev.repl.it;

import static dev.repl.it.Cluster.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repl.api.TlsConfig;
import dev.repl.handshake.ClusterId;
import dev.repl.testing.TestPki;
import dev.repl.testing.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Who may join: mutual TLS and the cluster hello, between real processes. */
class SecurityIT {

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    private TestPki pki;

    @BeforeEach
    void certificates() {
        pki = TestPki.create(repl.dir().resolve("pki"), "cluster");
    }

    private static List<String> tls(TlsConfig files) {
        return List.of("--tls-cert", files.certificate().toString(), "--tls-key", files.privateKey().toString(), "--tls-ca", files.ca().toString());
    }

    private static String[] args(List<String> first, List<String> then) {
        List<String> all = new ArrayList<>(first);
        all.addAll(then);
        return all.toArray(String[]::new);
    }

    /**
     * TLS on every node. The leader's detector allows 2 s of silence: each refused client here is
     * a JVM start that can starve the nodes of CPU for most of a second on a 2-core machine, and
     * this test is about who may join, not about how fast a failure is seen.
     */
    private Cluster tlsCluster(int followers, TlsConfig leader) {
        return new Cluster(repl, followers).followerArgs(tls(pki.issue("follower")).toArray(String[]::new))
                .start(args(tls(leader), List.of("--failure-detector", "timeout", "--failure-timeout", "2s")));
    }

    @Test
    void tlsLeaderWithAValidCertificateGetsTwoOfTwo() {
        TlsConfig leader = pki.issue("leader");
        Cluster cluster = tlsCluster(2, leader);

        ReplProcess check = repl.run(START, args(List.of("heartbeat", "--followers",
                "127.0.0.1:" + cluster.followerPorts[0] + ",127.0.0.1:" + cluster.followerPorts[1], "--timeout", "10s"), tls(leader)));
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        assertTrue(check.stdout().contains("heartbeat: 2/2 followers responded"), check.stdout());

        ReplProcess status = repl.run(START, args(List.of("status", "--admin", cluster.admin()), tls(leader)));
        assertEquals(0, status.exitCode(), status.stderr());
        assertEquals(2, status.stdout().lines().filter(line -> line.contains(" UP ")).count(), status.stdout());
        cluster.followers.get(0).awaitLog("listening on", START).awaitLog("with TLS", START);
    }

    @Test
    void peersWithoutATrustedCertificateAreRefusedWhileTheLeaderKeepsItsFollowerUp() throws Exception {
        TlsConfig leader = pki.issue("leader");
        Cluster cluster = tlsCluster(1, leader);
        ReplProcess follower = cluster.followers.get(0);
        String target = "127.0.0.1:" + cluster.followerPorts[0];

        ReplProcess plaintext = repl.run(START, "heartbeat", "--followers", target, "--timeout", "10s");
        assertEquals(2, plaintext.exitCode(), plaintext.stdout());
        assertTrue(plaintext.stdout().contains("did not respond: TLS failure: the peer requires TLS"), plaintext.stdout());
        follower.awaitLog("refused plaintext connection from", START);

        ReplProcess selfSigned = repl.run(START, args(List.of("heartbeat", "--followers", target, "--timeout", "10s"),
                tls(pki.selfSigned("intruder"))));
        assertEquals(2, selfSigned.exitCode(), selfSigned.stdout());
        assertTrue(selfSigned.stdout().contains("did not respond: TLS failure: the peer"), selfSigned.stdout());

        TlsConfig stranger = TestPki.create(repl.dir().resolve("other-pki"), "other").issue("stranger");
        ReplProcess otherCa = repl.run(START, args(List.of("heartbeat", "--followers", target, "--timeout", "10s"),
                tls(new TlsConfig(stranger.certificate(), stranger.privateKey(), pki.caFile()))));
        assertEquals(2, otherCa.exitCode(), otherCa.stdout());
        assertTrue(otherCa.stdout().contains("TLS failure"), otherCa.stdout());

        assertThrows(IOException.class, () -> speakTlsWithoutACertificate(cluster.followerPorts[0]),
                "a TLS client with no certificate gets no further than the handshake");
        follower.awaitLog("presented no certificate signed by our CA", START);
        assertEquals(3, follower.stderr().lines().filter(line -> line.contains("TLS handshake with")).count(), follower.stderr());

        // The real leader kept its link through all of it.
        assertFalse(cluster.leader.stderr().contains("-> DOWN"), cluster.leader.stderr());
        ReplProcess status = repl.run(START, args(List.of("status", "--admin", cluster.admin()), tls(leader)));
        assertTrue(status.stdout().contains(" UP "), status.stdout());
    }

    /** A TLS client that trusts the cluster's CA but has no certificate of its own, as {@code openssl s_client} would be. */
    private void speakTlsWithoutACertificate(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream ca = java.nio.file.Files.newInputStream(pki.caFile())) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(ca));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, trustManagers.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(HexFormat.of().parseHex(Wire.LEADER_HELLO));
            socket.getOutputStream().flush();
            if (socket.getInputStream().read() < 0) {
                throw new IOException("closed by the follower");
            }
        }
    }

    @Test
    void clusterIdMismatchIsRefusedWithTheReasonPrintedByBothSides() {
        String prod = ClusterId.of("prod").hexTag();
        String staging = ClusterId.of("staging").hexTag();
        int port = ReplLauncher.freePort();
        ReplProcess follower = repl.start("node", "--role", "follower", "--port", Integer.toString(port), "--name", "follower-1",
                "--cluster-id", "prod").awaitLog("listening on", START);

        ReplProcess check = repl.run(START, "heartbeat", "--followers", "127.0.0.1:" + port, "--cluster-id", "staging", "--timeout", "10s");
        assertEquals(2, check.exitCode(), check.stdout());
        assertTrue(check.stdout().contains("did not respond: rejected by peer: cluster id mismatch: peer expected " + prod + ", we sent " + staging),
                check.stdout());
        follower.awaitLog("cluster id mismatch: expected " + prod + ", peer sent " + staging, START);

        ReplProcess leader = repl.start("node", "--role", "leader", "--port", Integer.toString(ReplLauncher.freePort()),
                "--followers", "127.0.0.1:" + port, "--cluster-id", "staging");
        leader.awaitLog("connect attempt 1 to follower-1 (127.0.0.1:" + port + "): rejected by peer: cluster id mismatch", START);

        ReplProcess same = repl.run(START, "heartbeat", "--followers", "127.0.0.1:" + port, "--cluster-id", "prod", "--timeout", "10s");
        assertEquals(0, same.exitCode(), same.stdout());
    }
}
