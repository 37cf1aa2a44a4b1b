package dev.repl.dist;

import dev.repl.cli.ReplCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * This module's build step, run at {@code prepare-package}: bash completion and man pages
 * (AsciiDoc, which the build turns into troff) from the same picocli model the launcher parses
 * with, so they cannot drift from it. Neither it nor picocli-codegen is in the shaded jar.
 */
public final class ManualGenerator {

    private ManualGenerator() {
    }

    /** @param args the output directory: {@code completion/repl.bash} and {@code man-adoc/*.adoc} go there */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        PrintWriter none = new PrintWriter(Writer.nullWriter());
        CommandLine cli = ReplCli.create(none, none);
        // The build's own archive recorder is no command for users.
        cli.getCommandSpec().removeSubcommand("selftest");
        Files.createDirectories(out.resolve("completion"));
        Files.writeString(out.resolve("completion").resolve("repl.bash"), AutoComplete.bash("repl", cli));
        Path man = Files.createDirectories(out.resolve("man-adoc"));
        int status = ManPageGenerator.generateManPage(man.toFile(), null, new boolean[0], true, cli.getCommandSpec());
        if (status != 0) {
            throw new IllegalStateException("man page generation failed with status " + status);
        }
    }
}
