package dev.repl.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;

/** The launcher's entry point. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        // Netty's allocator events for Flight Recorder cost a one-shot command a third of a second
        // of class loading at start (jdk.jfr and its annotation proxies), for events nobody records.
        System.getProperties().putIfAbsent("io.netty.jfr.enabled", "false");
        Charset charset = Charset.defaultCharset();
        int code = ReplCli.run(new PrintWriter(System.out, false, charset), new PrintWriter(System.err, false, charset), args);
        System.exit(code);
    }
}
