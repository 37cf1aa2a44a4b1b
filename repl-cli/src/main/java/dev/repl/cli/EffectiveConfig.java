package dev.repl.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/** {@code repl node --print-config}: every option's value, and where it came from. */
final class EffectiveConfig {

    private EffectiveConfig() {
    }

    record Entry(String key, String value, String source) {
    }

    /** One entry per option a config file may set, in the order {@code --help} lists them. */
    static List<Entry> of(CommandSpec command) {
        ParseResult given = command.commandLine().getParseResult();
        // --verbose and --log-format are the top-level command's, wherever on the line they were given.
        ParseResult top = command.root().commandLine().getParseResult();
        ConfigFile file = command.commandLine().getDefaultValueProvider() instanceof ConfigFile f ? f : null;
        List<Entry> entries = new ArrayList<>();
        for (OptionSpec option : command.options()) {
            if (!ConfigFile.settable(option)) {
                continue;
            }
            String name = option.longestName();
            String fromFile = file == null ? null : file.value(name);
            ParseResult where = given.hasMatchedOption(name) ? given : top.hasMatchedOption(name) ? top : null;
            String value;
            String source;
            if (where != null) {
                List<String> typed = where.matchedOption(name).originalStringValues();
                value = typed.isEmpty() ? "true" : String.join(",", typed);
                source = "command line";
            } else if (fromFile != null) {
                value = fromFile;
                source = "config file " + file.path();
            } else {
                value = option.defaultValue() != null ? option.defaultValue() : option.arity().max() == 0 ? "false" : "(not set)";
                source = "default";
            }
            entries.add(new Entry(ConfigFile.key(name), value, source));
        }
        return entries;
    }

    static void print(CommandSpec command, PrintWriter out) {
        List<Entry> entries = of(command);
        int keyWidth = entries.stream().mapToInt(e -> e.key().length()).max().orElse(0);
        int valueWidth = entries.stream().mapToInt(e -> e.value().length()).max().orElse(0);
        String row = "%-" + keyWidth + "s  %-" + valueWidth + "s  %s%n";
        out.printf(row, "key", "value", "from");
        for (Entry e : entries) {
            out.printf(row, e.key(), e.value(), e.source());
        }
        out.flush();
    }
}
