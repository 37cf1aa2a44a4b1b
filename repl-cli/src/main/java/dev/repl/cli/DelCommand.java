package dev.repl.cli;

import dev.repl.api.client.Unreachable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code repl del KEY}: a delete, answered once committed. */
@Command(name = "del",
        header = "Delete a key.", mixinStandardHelpOptions = true,
        description = {"Delete KEY. Prints the index it committed at; exit 4 when its outcome is unknown (it may still commit)."})
final class DelCommand extends KvCommandBase {

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    String what() {
        return "del " + key;
    }

    @Override
    public Integer call() throws InterruptedException {
        try {
            return writeAnswer(options.client().delete(key));
        } catch (Unreachable e) {
            return unreachable(e, true);
        }
    }
}
