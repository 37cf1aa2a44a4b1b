package dev.repl.cli;

import dev.repl.api.client.KvClient;
import dev.repl.api.client.Unreachable;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code repl cas KEY OLD NEW}: compare-and-set, answered once committed. */
@Command(name = "cas",
        header = "Compare a key's value and set it.", mixinStandardHelpOptions = true,
        description = {"Set KEY to NEW if its value is OLD. Exit 1 when it has another value (printed), 4 when the outcome is unknown."})
final class CasCommand extends KvCommandBase {

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "OLD")
    String expected;

    @Parameters(index = "2", paramLabel = "NEW")
    String value;

    @Override
    String what() {
        return "cas " + key;
    }

    @Override
    public Integer call() throws InterruptedException {
        KvClient.Answer answer;
        try {
            answer = options.client().compareAndSet(key, expected, value.getBytes(StandardCharsets.UTF_8));
        } catch (Unreachable e) {
            return unreachable(e, true);
        }
        if (answer.status() == 409) {
            String current = answer.current();
            return error(ExitCodes.NO, current == null ? "not set, not '" + expected + "'" : "the value is '" + current + "', not '" + expected + "'");
        }
        return writeAnswer(answer);
    }
}
