package dev.repl.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.PropertiesDefaultProvider;

/**
 * {@code repl node --config FILE}: node options as Java properties, each named as on the command
 * line without its dashes ({@code heartbeat-interval=200ms}). A value in the file replaces the
 * option's default, and the command line replaces both, because picocli asks a default-value
 * provider before it reads the arguments. picocli reads the defaults before it has parsed
 * {@code --config}, so this provider finds the file's name in the raw arguments itself and reads
 * the file on the first question; a file that cannot be read, or a key that names no option, is a
 * usage error naming the file.
 */
final class ConfigFile implements IDefaultValueProvider {

    static final String OPTION = "--config";

    /** Options that are about this run of the command, not the node: a file cannot set them. */
    private static final List<String> NOT_IN_FILE = List.of(OPTION, "--print-config", "--help", "--version", "--until-stdin-closes");

    private final Path path;
    private final CommandSpec node;
    private Properties values;
    private PropertiesDefaultProvider provider;

    private ConfigFile(Path path, CommandSpec node) {
        this.path = path;
        this.node = node;
    }

    /**
     * Makes {@code cli}'s {@code node} subcommand read the file {@code args} name with
     * {@code --config}, if they name one. The top-level command reads it too, for the options
     * {@code node} inherits from it ({@code --log-format}, {@code --verbose}): picocli applies a
     * default to an inherited option only where it is declared.
     */
    static void install(CommandLine cli, String... args) {
        CommandLine node = cli.getSubcommands().get("node");
        if (node == null) {
            return;
        }
        for (int i = 0; i < args.length && !args[i].equals("--"); i++) {
            String file = args[i].equals(OPTION) && i + 1 < args.length ? args[i + 1]
                    : args[i].startsWith(OPTION + "=") ? args[i].substring(OPTION.length() + 1) : null;
            if (file != null) {
                ConfigFile config = new ConfigFile(Path.of(file), node.getCommandSpec());
                node.setDefaultValueProvider(config);
                cli.setDefaultValueProvider(config);
                return;
            }
        }
    }

    Path path() {
        return path;
    }

    @Override
    public String defaultValue(ArgSpec arg) throws Exception {
        if (!(arg instanceof OptionSpec option) || !settable(option)) {
            return null;
        }
        load();
        return provider.defaultValue(arg);
    }

    /**
     * Whether {@code option} was given, on the command line or in the config file: an option that
     * would do nothing is refused from either.
     */
    static boolean given(CommandSpec command, String option) {
        if (command.commandLine().getParseResult().hasMatchedOption(option)) {
            return true;
        }
        if (!(command.commandLine().getDefaultValueProvider() instanceof ConfigFile file)) {
            return false;
        }
        String value = file.value(option);
        // A flag set to false in a file is the flag left out.
        OptionSpec spec = command.findOption(option);
        boolean flag = spec != null && spec.arity().max() == 0;
        return value != null && !(flag && value.trim().equalsIgnoreCase("false"));
    }

    /** How an error names {@code option}: as typed, or as its key in the file it came from. */
    static String named(CommandSpec command, String option) {
        if (command.commandLine().getParseResult().hasMatchedOption(option)
                || !(command.commandLine().getDefaultValueProvider() instanceof ConfigFile file)) {
            return option;
        }
        return key(option) + " (config file " + file.path + ")";
    }

    /** The file's value for {@code option} (such as {@code --heartbeat-interval}), or null. */
    String value(String option) {
        load();
        return values.getProperty(key(option));
    }

    /** Whether {@code option} may be set in a file; options about this run only are not. */
    static boolean settable(OptionSpec option) {
        return !option.usageHelp() && !option.versionHelp() && !option.hidden() && !NOT_IN_FILE.contains(option.longestName());
    }

    static String key(String option) {
        return option.replaceFirst("^-+", "");
    }

    private synchronized void load() {
        CommandSpec command = node;
        if (values != null) {
            return;
        }
        Properties read = new Properties();
        try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            read.load(in);
        } catch (NoSuchFileException e) {
            throw new ParameterException(command.commandLine(), "config file " + path + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), "cannot read config file " + path + ": " + e.getMessage());
        }
        TreeSet<String> unknown = new TreeSet<>(read.stringPropertyNames());
        for (OptionSpec option : command.options()) {
            if (settable(option)) {
                unknown.remove(key(option.longestName()));
            }
        }
        if (!unknown.isEmpty()) {
            throw new ParameterException(command.commandLine(), "unknown key '" + unknown.first() + "' in config file " + path
                    + " (keys are the options of 'repl " + command.name() + "' without their dashes, such as heartbeat-interval)");
        }
        values = read;
        provider = new PropertiesDefaultProvider(read);
    }
}
