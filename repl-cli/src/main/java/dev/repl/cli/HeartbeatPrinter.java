package dev.repl.cli;

import dev.repl.api.client.FollowerOutcome;
import dev.repl.api.client.HeartbeatReport;
import java.io.PrintWriter;
import java.util.List;

/**
 * The leader's lines of a one-shot check, as {@code repl heartbeat} and {@code repl demo} print
 * them. Every line comes from the finished report, so the summary lines and the per-follower
 * lines cannot disagree.
 */
final class HeartbeatPrinter {

    private final String leader;
    private final PrintWriter out;

    HeartbeatPrinter(String leader, PrintWriter out) {
        this.leader = leader;
        this.out = out;
    }

    /**
     * Who was connected to, how many heartbeats went out, {@code between} (the demo's follower
     * lines), who did not respond and why, and the count.
     */
    void print(HeartbeatReport report, List<String> between) {
        for (FollowerOutcome outcome : report.outcomes()) {
            if (outcome.linked()) {
                var address = outcome.peer().address();
                line(leader + ": connected to " + outcome.peer().name() + " on " + (address.isLoopback() ? "port " + address.port() : address));
            }
        }
        int sent = report.sent();
        line(leader + ": sent heartbeat to " + sent + (sent == 1 ? " follower" : " followers"));
        between.forEach(this::line);
        for (FollowerOutcome outcome : report.outcomes()) {
            if (!outcome.responded()) {
                line(leader + ": " + outcome.peer() + " did not respond: " + outcome.failure());
            }
        }
        line("heartbeat: " + report.responded() + "/" + report.total() + " followers responded");
    }

    private void line(String text) {
        out.println(text);
        out.flush();
    }
}
