package dev.repl.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.repl.api.TlsConfig;
import dev.repl.testing.TestPki;
import dev.repl.transport.TlsContexts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real TLS handshakes with the JDK's and BoringSSL's engines, failing in the ways a cluster's TLS
 * set-up can: what each side reads comes from what the failure is, whichever provider ran it.
 */
class TlsFailuresTest {

    @TempDir
    static Path dir;
    static TestPki cluster;
    static TestPki other;

    @BeforeAll
    static void certificates() {
        cluster = TestPki.create(dir, "cluster");
        other = TestPki.create(dir, "other");
    }

    /** Both sides' handshake failures, in the words a user reads. */
    private record Failures(String server, String client) {
    }

    /**
     * Keeps the first TLS failure its channel reports: as the handshake's outcome, or, for a TLS
     * 1.3 client whose handshake was done when the server's verdict came, as the alert after it.
     */
    private static final class Outcome extends ChannelInboundHandlerAdapter {
        SSLException failure;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof SslHandshakeCompletionEvent done && !done.isSuccess() && failure == null) {
                failure = TlsFailures.find(done.cause());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (failure == null) {
                failure = TlsFailures.find(cause);
            }
        }
    }

    /** A handshake over two embedded channels, bytes passed both ways until neither has more to say. */
    private static Failures handshake(SslContext server, SslContext client) {
        Outcome serverSide = new Outcome();
        Outcome clientSide = new Outcome();
        EmbeddedChannel s = new EmbeddedChannel(server.newHandler(ByteBufAllocator.DEFAULT), serverSide);
        EmbeddedChannel c = new EmbeddedChannel(client.newHandler(ByteBufAllocator.DEFAULT), clientSide);
        for (int round = 0; round < 20; round++) {
            pass(c, s);
            pass(s, c);
        }
        s.finishAndReleaseAll();
        c.finishAndReleaseAll();
        assertNotNull(serverSide.failure, "the server's handshake failed");
        assertNotNull(clientSide.failure, "the client's handshake failed");
        return new Failures(TlsFailures.describe(serverSide.failure), TlsFailures.describe(clientSide.failure));
    }

    private static void pass(EmbeddedChannel from, EmbeddedChannel to) {
        for (Object bytes; (bytes = from.readOutbound()) != null; ) {
            if (to.isOpen()) {
                to.writeInbound(bytes);
            } else {
                ((ByteBuf) bytes).release();
            }
        }
    }

    private static TlsContexts contexts(TlsConfig config, TlsConfig.Provider provider) {
        return TlsContexts.load(new TlsConfig(config.certificate(), config.privateKey(), config.ca(), provider));
    }

    @ParameterizedTest
    @EnumSource(TlsConfig.Provider.class)
    void clientWithoutACertificate(TlsConfig.Provider provider) throws Exception {
        SslContext trustOnly = SslContextBuilder.forClient().trustManager(cluster.caFile().toFile()).endpointIdentificationAlgorithm(null)
                .sslProvider(provider == TlsConfig.Provider.JDK ? SslProvider.JDK : SslProvider.OPENSSL).protocols("TLSv1.3").build();
        Failures f = handshake(contexts(cluster.issue("follower"), provider).server(), trustOnly);
        assertEquals(TlsFailures.PEER_SENT_NONE, f.server());
        // The JDK's server answers an empty chain with the alert bad_certificate, BoringSSL with certificate_required.
        assertEquals(provider == TlsConfig.Provider.JDK ? TlsFailures.WE_ARE_REFUSED : TlsFailures.WE_SENT_NONE, f.client());
    }

    @ParameterizedTest
    @EnumSource(TlsConfig.Provider.class)
    void serverFromAnotherCa(TlsConfig.Provider provider) {
        TlsConfig stranger = other.issue("stranger");
        TlsConfig trustingOurs = new TlsConfig(stranger.certificate(), stranger.privateKey(), cluster.caFile());
        Failures f = handshake(contexts(trustingOurs, provider).server(), contexts(cluster.issue("leader"), provider).client());
        assertEquals(TlsFailures.PEER_UNTRUSTED, f.client(), "the trust manager's refusal, found among the causes");
        // The JDK's client sends certificate_unknown; BoringSSL's, whose Java trust manager threw, internal_error.
        assertEquals(provider == TlsConfig.Provider.JDK ? TlsFailures.WE_ARE_REFUSED : "the peer ended the handshake with TLS alert internal_error",
                f.server());
    }

    @Test
    void plaintextWhereTlsWasExpected() {
        assertEquals(TlsFailures.NOT_TLS, TlsFailures.describe(new NotSslRecordException("not an SSL/TLS record: 4a03a219")));
    }
}
