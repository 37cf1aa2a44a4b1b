package dev.repl.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;

/** The launcher's entry point. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        Charset charset = Charset.defaultCharset();
        int code = ReplCli.run(new PrintWriter(System.out, false, charset), new PrintWriter(System.err, false, charset), args);
        System.exit(code);
    }
}
