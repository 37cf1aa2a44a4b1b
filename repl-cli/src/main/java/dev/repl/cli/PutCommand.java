package dev.repl.cli;

import dev.repl.api.client.Unreachable;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code repl put KEY VALUE}: a write, answered once committed. */
@Command(name = "put",
        header = "Set a key's value.", mixinStandardHelpOptions = true,
        description = {"Set KEY to VALUE. Prints the index it committed at; exit 4 when its outcome is unknown (it may still commit)."})
final class PutCommand extends KvCommandBase {

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Override
    String what() {
        return "put " + key;
    }

    @Override
    public Integer call() throws InterruptedException {
        try {
            return writeAnswer(options.client().put(key, value.getBytes(StandardCharsets.UTF_8)));
        } catch (Unreachable e) {
            return unreachable(e, true);
        }
    }
}
