package dev.repl.peer;

import dev.repl.failure.LogThrottle;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may speak for a member on this node's port. Only the other members in {@code --peers} ask
 * it for votes or lead it: another id (a process left out of {@code --peers}, or one started with
 * this node's own id) is refused. Two live connections claiming one member at once are a conflict:
 * two processes may run with that id. Source addresses are not compared with a member's entry:
 * wildcard binds, several interfaces and NAT make them differ for healthy members. Each refusal or
 * conflict is logged at most once a minute per id, as the other side retries every second or so.
 * Thread-safe: the streams of every event loop ask.
 */
public final class MemberClaims {

    private static final Logger log = LoggerFactory.getLogger(MemberClaims.class);

    /** Where its lines go: the log, or a test's list. */
    @FunctionalInterface
    public interface Sink {
        void warn(String event, String id, String line);
    }

    private final String self;
    private final Set<String> others;
    private final String members;
    private final LogThrottle strangers;
    private final LogThrottle conflicts;
    private final Sink sink;

    /** @param others the other members' ids */
    public MemberClaims(String self, Collection<String> others, LongSupplier nanoClock, Sink sink) {
        this.self = self;
        this.others = Set.copyOf(others);
        Set<String> all = new TreeSet<>(others);
        all.add(self);
        this.members = String.join(", ", all);
        this.strangers = new LogThrottle(LogThrottle.MINUTE, nanoClock);
        this.conflicts = new LogThrottle(LogThrottle.MINUTE, nanoClock);
        this.sink = sink;
    }

    /** Logged through this class's logger at WARN, on the system clock. */
    public static MemberClaims logged(String self, Collection<String> others) {
        return new MemberClaims(self, others, System::nanoTime, (event, id, line) ->
                log.atWarn().addKeyValue("event", event).addKeyValue("peer", id).log(line));
    }

    /**
     * Why {@code id} may not ask this node for a vote or lead it, or null when it is one of the
     * other members. A refusal is logged at most once a minute per id.
     *
     * @param what what it sent, for the log: {@code "a pre-vote request"}, {@code "a replication stream"}
     * @param from where it came from, for the log only
     */
    public String refusal(String id, String what, String from) {
        if (others.contains(id)) {
            return null;
        }
        String why = id.equals(self) ? "it has this node's own id " + self : id + " is not a member (the members are " + members + ")";
        if (strangers.allow(id)) {
            sink.warn("stranger", id, self + ": refused " + what + " from " + from + ": " + why + "; is a process running with the wrong"
                    + " --id or --peers? (logged once a minute per id)");
        }
        return why;
    }

    /** Two live connections claim to be member {@code id}; {@code detail} says which. Logged at most once a minute per id. */
    public void conflict(String id, String detail) {
        if (conflicts.allow(id)) {
            sink.warn("id-conflict", id, self + ": two live connections claim to be " + id + ": " + detail + "; unless " + id
                    + " just restarted, two processes run with --id " + id + " (logged once a minute per id)");
        }
    }
}
