package dev.repl.cli;

import dev.repl.api.client.KvClient;
import dev.repl.api.client.Unreachable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code repl get KEY}: a read, linearizable from the leader, or stale from the node asked. */
@Command(name = "get",
        header = "Read a key's value.", mixinStandardHelpOptions = true,
        description = {"Print KEY's value. Read from the leader, it reflects every write committed before it; with --stale, what the",
            "node asked has applied. Exit 1 when the key is not set."})
final class GetCommand extends KvCommandBase {

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(names = "--stale", description = "Read what the node asked has applied, follower or not: fast, possibly behind.")
    boolean stale;

    @Override
    String what() {
        return "get " + key;
    }

    @Override
    public Integer call() throws InterruptedException {
        KvClient.Answer answer;
        try {
            answer = options.client().get(key, stale);
        } catch (Unreachable e) {
            return unreachable(e, false);
        }
        if (answer.status() == 200) {
            out().println(answer.text());
            out().flush();
            return ExitCodes.OK;
        }
        if (answer.status() == 404) {
            return error(ExitCodes.NO, "not set");
        }
        return failed(answer);
    }
}
