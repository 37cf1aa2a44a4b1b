package dev.repl.cli;

import dev.repl.config.Peer;
import dev.repl.leader.FollowerOutcome;
import dev.repl.leader.HeartbeatCheck;
import dev.repl.leader.HeartbeatReport;
import java.io.PrintWriter;

/** The leader's lines of a one-shot check, as {@code repl heartbeat} and {@code repl demo} print them. */
final class HeartbeatPrinter implements HeartbeatCheck.Progress {

    private final String leader;
    private final PrintWriter out;

    HeartbeatPrinter(String leader, PrintWriter out) {
        this.leader = leader;
        this.out = out;
    }

    @Override
    public void connected(Peer follower) {
        String where = follower.address().isLoopback() ? "port " + follower.address().port() : follower.address().toString();
        line(leader + ": connected to " + follower.name() + " on " + where);
    }

    @Override
    public void sent(int followers) {
        line(leader + ": sent heartbeat to " + followers + (followers == 1 ? " follower" : " followers"));
    }

    /** One line per follower that did not respond, naming why. */
    void failures(HeartbeatReport report) {
        for (FollowerOutcome outcome : report.outcomes()) {
            if (!outcome.responded()) {
                line(leader + ": " + outcome.peer() + " did not respond: " + outcome.failure());
            }
        }
    }

    void summary(HeartbeatReport report) {
        line("heartbeat: " + report.responded() + "/" + report.total() + " followers responded");
    }

    void line(String text) {
        out.println(text);
        out.flush();
    }
}
