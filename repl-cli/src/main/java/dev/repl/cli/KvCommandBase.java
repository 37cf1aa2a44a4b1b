package dev.repl.cli;

import dev.repl.api.client.KvClient;
import dev.repl.api.client.Unreachable;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What {@code put}, {@code get}, {@code cas} and {@code del} share: the endpoint, and how an
 * answer becomes a line and an exit code. A write is reported committed only on the node's
 * word; when no word came, or the node said it could not tell in time, its outcome is unknown.
 */
abstract class KvCommandBase implements Callable<Integer> {

    @Mixin
    KvClientOptions options;

    @Spec
    CommandSpec spec;

    /** {@code put foo}: how the command names itself in its lines. */
    abstract String what();

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** A committed write: one line with its index, exit 0. */
    int committed(KvClient.Answer answer) {
        out().println("ok: committed at index " + answer.index());
        out().flush();
        return ExitCodes.OK;
    }

    /** Maps what a write got back to a line and an exit code. */
    int writeAnswer(KvClient.Answer answer) {
        return switch (answer.status()) {
            case 200 -> committed(answer);
            case 504 -> error(ExitCodes.UNKNOWN, "outcome unknown: " + answer.error() + " (index " + answer.index() + ")");
            default -> failed(answer);
        };
    }

    int failed(KvClient.Answer answer) {
        if (answer.notLeader()) {
            return error(ExitCodes.ERROR, answer.from() + " is not the leader" + (answer.leader() != null
                    ? " (it points to " + answer.leader() + ")" : " and does not know which node is"));
        }
        return error(ExitCodes.ERROR, "HTTP " + answer.status() + " from " + answer.from() + ": "
                + (answer.error() != null ? answer.error() : answer.text().strip()));
    }

    /** The request got no answer: a write's outcome is unknown if it was sent, failed if it never was. */
    int unreachable(Unreachable e, boolean write) {
        if (write && e.sent()) {
            return error(ExitCodes.UNKNOWN, "outcome unknown: " + e.getMessage());
        }
        return error(ExitCodes.ERROR, e.getMessage());
    }

    int error(int code, String message) {
        spec.commandLine().getErr().println("repl: " + what() + ": " + message);
        spec.commandLine().getErr().flush();
        return code;
    }
}
