package dev.repl.bench.raw;

import dev.repl.api.ConnectionOptions;
import dev.repl.api.NodeAddress;
import dev.repl.api.TlsConfig;
import dev.repl.cli.DurationConverter;
import dev.repl.cli.ExitCodes;
import dev.repl.cli.Json;
import dev.repl.cli.TlsOptions;
import dev.repl.cli.bench.Benchmark;
import dev.repl.handshake.ClusterId;
import dev.repl.handshake.ConnectingHandshake;
import dev.repl.handshake.Identity;
import dev.repl.node.HeartbeatObserver;
import dev.repl.node.NodeServer;
import dev.repl.transport.ConnectionErrorHandler;
import dev.repl.transport.LinkSecurity;
import dev.repl.transport.Pipelines;
import dev.repl.transport.TlsContexts;
import dev.repl.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code repl bench tls}: what mutual TLS costs a link, against plaintext in the same run: the
 * time to (re)connect (TCP, TLS handshake, hello), and the steady-state heartbeat round trip.
 */
@Command(name = "tls",
        header = "Measure what mutual TLS costs.",
        mixinStandardHelpOptions = true,
        description = {
            "Measure what mutual TLS costs: connect + TLS handshake + hello latency over --reconnects fresh",
            "connections, and heartbeat round trips for --duration, for plaintext and for each TLS provider",
            "available (jdk, openssl) in the same run. Needs --tls-cert, --tls-key and --tls-ca (see docs/security.md)."})
public final class TlsBench implements Benchmark {

    @Mixin
    TlsOptions tls;

    @Option(names = "--reconnects", defaultValue = "200", description = "Fresh connections per mode, after 20 unrecorded. Default: ${DEFAULT-VALUE}.")
    int reconnects;

    @Option(names = "--duration", defaultValue = "5s", converter = DurationConverter.class,
            description = "Measured round-trip time per mode, after the warm-up. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.class,
            description = "Unrecorded round trips first. Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--json", description = "Print the results as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    private static final int WARMUP_CONNECTIONS = 20;

    @Override
    public Integer call() throws Exception {
        TlsConfig config = tls.config();
        if (config == null) {
            throw new ParameterException(spec.commandLine(), "repl bench tls needs --tls-cert, --tls-key and --tls-ca");
        }
        if (reconnects < 1) {
            throw new ParameterException(spec.commandLine(), "--reconnects must be at least 1");
        }
        PrintWriter err = spec.commandLine().getErr();
        List<String> modes = new ArrayList<>(List.of("plaintext"));
        List<LinkSecurity> securities = new ArrayList<>(List.of(LinkSecurity.PLAINTEXT));
        for (TlsConfig.Provider provider : TlsConfig.Provider.values()) {
            if (TlsContexts.effective(provider) == provider) {
                modes.add("tls-" + provider.name().toLowerCase(Locale.ROOT));
                TlsConfig files = new TlsConfig(config.certificate(), config.privateKey(), config.ca(), provider);
                securities.add(new LinkSecurity(ClusterId.DEFAULT, TlsContexts.load(files)));
            }
        }
        List<RttStats> connects = new ArrayList<>();
        List<RttStats> rtts = new ArrayList<>();
        for (int i = 0; i < modes.size(); i++) {
            connects.add(connects(modes.get(i), securities.get(i), err));
        }
        for (int i = 0; i < modes.size(); i++) {
            rtts.add(roundTrips(modes.get(i), securities.get(i), err));
        }
        print(spec.commandLine().getOut(), connects, rtts);
        return ExitCodes.OK;
    }

    /** Connect, finish the handshake, close; again and again, one at a time. */
    private RttStats connects(String mode, LinkSecurity security, PrintWriter err) throws Exception {
        err.printf("tls: %s, %d connections%n", mode, reconnects);
        err.flush();
        Histogram nanos = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        EventLoopGroup group = Transport.get().newGroup(1, "bench-tls-leader");
        try (NodeServer follower = new NodeServer("bench-tls-follower", NodeAddress.loopback(0), ConnectionOptions.defaults(), security,
                HeartbeatObserver.NONE)) {
            int port = follower.start().getPort();
            ConnectionErrorHandler errors = new ConnectionErrorHandler("bench-tls-leader");
            Bootstrap bootstrap = new Bootstrap().group(group).channel(Transport.get().socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            Pipelines.connectingSide(ch.pipeline(), security, Identity.probe("bench-tls-leader"), new ChannelInboundHandlerAdapter(), errors);
                        }
                    });
            long started = System.nanoTime();
            for (int i = 0; i < WARMUP_CONNECTIONS + reconnects; i++) {
                long t0 = System.nanoTime();
                Channel channel = bootstrap.connect("127.0.0.1", port).sync().channel();
                ConnectingHandshake.ready(channel, TimeUnit.SECONDS.toNanos(10)).sync();
                long took = System.nanoTime() - t0;
                channel.close().sync();
                if (i >= WARMUP_CONNECTIONS) {
                    nanos.recordValue(Math.min(took, nanos.getHighestTrackableValue()));
                }
            }
            return RttStats.of(mode, nanos, (System.nanoTime() - started) / 1e9);
        } finally {
            Transport.shutdown(group);
        }
    }

    private RttStats roundTrips(String mode, LinkSecurity security, PrintWriter err) throws Exception {
        err.printf("tls: %s round trips, %d s warm-up + %d s%n", mode, warmup.toSeconds(), duration.toSeconds());
        err.flush();
        RttSampler sampler = new RttSampler(warmup.toNanos(), duration.toNanos(), () -> { });
        NettyPingPong.run(sampler, security, 1);
        return RttStats.of(mode, sampler.histogram(), duration.toNanos() / 1e9);
    }

    /** Each mode's row, then each TLS mode's ratio to plaintext (the first row). */
    private void print(PrintWriter out, List<RttStats> connects, List<RttStats> rtts) {
        if (json) {
            out.print(Json.line(Map.of("connect", json(connects), "rtt", json(rtts))));
        } else {
            out.printf("%-30s %9s %9s %9s %9s%n", "", "p50 us", "p90 us", "p99 us", "max us");
            table(out, "connect+hello ", connects);
            table(out, "rtt ", rtts);
        }
        out.flush();
    }

    private static void table(PrintWriter out, String what, List<RttStats> rows) {
        for (RttStats s : rows) {
            out.printf("%-30s %9.1f %9.1f %9.1f %9.1f%n", what + s.transport(), s.p50(), s.p90(), s.p99(), s.max());
        }
        for (RttStats s : rows.subList(1, rows.size())) {
            RttStats r = s.ratio(rows.get(0));
            out.printf("%-30s %9.2f %9.2f %9.2f %9.2f%n", "  " + r.transport(), r.p50(), r.p90(), r.p99(), r.max());
        }
    }

    /** Each mode's row by name, then each TLS mode's ratio to plaintext. */
    private static Map<String, Object> json(List<RttStats> rows) {
        Map<String, Object> json = new LinkedHashMap<>();
        for (RttStats s : rows) {
            json.put(s.transport(), s.row());
        }
        for (RttStats s : rows.subList(1, rows.size())) {
            RttStats r = s.ratio(rows.get(0));
            json.put(r.transport(), r.ratioRow());
        }
        return json;
    }
}
