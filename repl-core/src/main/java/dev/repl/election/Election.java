package dev.repl.election;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Raft's election (sections 5.2 and 5.4.1 of the paper, pre-vote and check-quorum from the thesis,
 * section 9.6 and 6.2), as a state machine with no threads, sockets or clock of its own: the caller
 * feeds it time and messages, one at a time, and it answers with messages and role changes. The
 * node runs it on one thread; the tests run it on a simulated network and clock.
 *
 * <p>The rules, and why each is there:
 * <ul>
 *   <li>A follower that hears no leader for a randomized timeout (between one and two election
 *       timeouts) stands: randomizing makes it unlikely that two stand at once and split the vote.</li>
 *   <li>It first asks for a <em>pre-vote</em> for the next term without taking it: a node cut off
 *       from the others would otherwise raise its term on every timeout and, once back, force the
 *       healthy leader to step down. Only with a majority's pre-votes does it take the term.</li>
 *   <li>A node grants one vote per term, durably, before it answers: two candidates can never both
 *       win a term, even across a restart.</li>
 *   <li>It votes only for a candidate whose log is at least as up to date as its own (a later last
 *       term, or the same and at least as long): a majority holds every committed entry, so the
 *       winner holds them too.</li>
 *   <li>A node that has heard its leader within the election timeout ignores requests for a later
 *       term: a leader is not deposed while a majority still hears it.</li>
 *   <li>A leader that has not heard from a majority for an election timeout steps down
 *       (check-quorum): a leader cut off from the others stops claiming to lead, so clients go
 *       to the new one.</li>
 *   <li>Two nodes that stand for the same term at once with the same log would each grant the
 *       other's pre-vote, campaign, and split the vote; of such two, only the lower id is granted
 *       the pre-vote. A pre-vote changes nothing durable, so this only saves a round.</li>
 *   <li>Only members are voted for, followed, or counted toward a majority, and ids are compared
 *       exactly ({@link MemberId}): an id that is not a member could be recorded as a vote and
 *       read back as a member's, and two leaders could win one term.</li>
 *   <li>Any message of a later term makes a node a follower in that term.</li>
 *   <li>A node whose log or state machine failed steps down and never stands again
 *       ({@link #cannotLead(String, long)}): leading, it would refuse every write while its heartbeats kept the
 *       others from electing a healthy leader. Not standing costs liveness only, never safety.</li>
 *   <li>A node whose log lost records it may have acknowledged (damage no torn write explains,
 *       cut off its tail; or its log removed) neither votes nor stands until a leader elected
 *       since has replicated to it, or its log reaches past all it could have lost
 *       ({@link #withholdVotes}): its vote for a candidate without a committed entry that only it
 *       and a minority held could otherwise elect that candidate.</li>
 * </ul>
 */
public final class Election {

    public enum Role { FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER }

    /** Asks for a vote, or with {@code pre} for a pre-vote, for {@code term}. */
    public record VoteRequest(boolean pre, long term, String candidate, long lastIndex, long lastTerm) {
    }

    /**
     * The answer: {@code term} is the request's for a granted pre-vote, and otherwise the voter's own.
     *
     * @param reason why it was not granted, or "" when it was
     */
    public record VoteResponse(boolean pre, long term, String voter, boolean granted, String reason) {
    }

    /** A node's durable term and vote. {@link #save} returns only once both are on disk. */
    public interface Storage {
        long term();

        /** Whom this node voted for (or follows) in its term, or null. */
        String votedFor();

        /**
         * Records {@code term} and, unless null, the vote in it. Refused (false, nothing changed)
         * when the recorded term is later, or this term already records another vote or leader:
         * the node may have moved on outside the election.
         */
        boolean save(long term, String votedFor);
    }

    /** Where the node's log ends, for the voting rule. */
    public interface LogEnd {
        /** The last index and its entry's term, read together, as one consistent view of the log. */
        long[] end();

        /** The same without waiting for anything (the disk): for a look at every tick, where a view a moment old will do. */
        default long[] peek() {
            return end();
        }
    }

    /** What the election does to the world. */
    public interface Effects {
        void send(String peer, VoteRequest request);

        /**
         * The node's role changed: it leads {@code term}, or follows {@code leader} in it (null
         * while none is known). {@code why} is one line for logs and status.
         */
        void roleChanged(Role role, long term, String leader, String why);
    }

    /** The last election this node saw through: when (nanos on the caller's clock), why it started, and its term. */
    public record Started(long atNanos, long term, String why) {
    }

    /**
     * A view for status: role, term, leader (or null), the last election this node stood in (or
     * null), and why it withholds its vote (or null).
     */
    public record Status(Role role, long term, String leader, Started lastElection, String votesWithheld) {
    }

    private final String self;
    private final List<String> peers;
    private final long timeoutNanos;
    private final Storage storage;
    private final LogEnd log;
    private final Effects effects;
    private final Random random;

    private Role role = Role.FOLLOWER;
    /**
     * The term this election acts in. The storage may move past it without the election (a node
     * accepts a newer leader's stream on another thread): each call first catches up with it.
     */
    private long term;
    private String leader;
    private long deadline;
    private long lastLeaderContact;
    private boolean leaderContactKnown;
    private long lastQuorumContact;
    private final Set<String> granted = new HashSet<>();
    private final Set<String> refused = new HashSet<>();
    private Started lastElection;
    private String standingWhy;
    private long standingSince;
    /** Why this node may not lead (its log or its state machine failed), or null. */
    private String cannotLead;
    /** While the log's last term is at most this, and its end before {@link #withheldUntilIndex}, this node neither votes nor stands; -1 when it may. */
    private long withheldThroughTerm = -1;
    private long withheldUntilIndex;
    private String withheldWhy;

    /**
     * @param self    this node's id
     * @param peers   the other nodes' ids
     * @param timeout the election timeout: a follower stands after one to two of these without a leader
     */
    public Election(String self, List<String> peers, long timeoutNanos, Storage storage, LogEnd log, Effects effects, Random random) {
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("election timeout must be positive");
        }
        if (peers.contains(self)) {
            throw new IllegalArgumentException(self + " is among its own peers");
        }
        MemberId.check(self);
        peers.forEach(MemberId::check);
        this.self = Objects.requireNonNull(self);
        this.peers = List.copyOf(peers);
        this.timeoutNanos = timeoutNanos;
        this.storage = storage;
        this.log = log;
        this.effects = effects;
        this.random = random;
    }

    /** Starts as a follower of no known leader; the first timeout comes after one to two election timeouts. */
    public void start(long now) {
        role = Role.FOLLOWER;
        leader = null;
        term = storage.term();
        resetTimer(now);
    }

    public String self() {
        return self;
    }

    public Role role() {
        return role;
    }

    public long term() {
        return term;
    }

    /** The leader this node knows of in its term (itself when it leads), or null. */
    public String leader() {
        return leader;
    }

    public Status status() {
        return new Status(role, term, leader, lastElection, withheldWhy);
    }

    /** The clock moved: a follower or candidate whose timer ran out stands; a leader checks its quorum. */
    public void tick(long now) {
        catchUp(now);
        if (withheldWhy != null) {
            liftIfCaughtUp(log.peek()); // as soon as the log has caught up, not at the next vote: status says so
        }
        if (role == Role.LEADER) {
            if (peers.isEmpty()) {
                return;
            }
            if (now - lastQuorumContact >= timeoutNanos) {
                becomeFollower(now, term, null, "check-quorum: no contact with a majority for " + millis(now - lastQuorumContact) + " ms");
                lastLeaderContact = now; // do not stand at once: the majority may still have a leader
                leaderContactKnown = false;
            }
            return;
        }
        if (now - deadline >= 0 && (cannotLead != null || withheld() != null)) {
            resetTimer(now); // it does not stand: it would refuse every write, or win without what it acknowledged
            return;
        }
        if (now - deadline >= 0) {
            String why = switch (role) {
                case FOLLOWER -> leader == null && !leaderContactKnown ? "no leader heard since start"
                        : "no leader heard for " + millis(now - lastLeaderContact) + " ms" + (leader == null ? "" : " (was " + leader + ")");
                case PRE_CANDIDATE -> "pre-vote for term " + (term + 1) + " not won in time";
                case CANDIDATE -> "election of term " + term + " not won in time";
                default -> throw new IllegalStateException();
            };
            preVote(now, why);
        }
    }

    /**
     * The leader of {@code term} was heard from (a heartbeat, or its replication stream).
     *
     * @return false when {@code term} is older than this node's (the leader is stale), or {@code from} is not a member
     */
    public boolean leaderHeard(long term, String from, long now) {
        catchUp(now);
        if (term < this.term || !from.equals(self) && !peers.contains(from)) {
            return false;
        }
        if (term > this.term && !save(term, from)) {
            catchUp(now);
            if (term < this.term) {
                return false;
            }
        }
        if (role == Role.LEADER && from.equals(self)) {
            return true; // its own heartbeat, echoed
        }
        lastLeaderContact = now;
        leaderContactKnown = true;
        resetTimer(now);
        if (role != Role.FOLLOWER || !from.equals(leader)) {
            becomeFollower(now, term, from, "following " + from + " in term " + term);
        }
        return true;
    }

    /** A message of a later term was seen (an answer to a leader, say): this node follows in that term. */
    public void termSeen(long term, String why, long now) {
        catchUp(now);
        if (term > this.term) {
            if (save(term, null)) {
                becomeFollower(now, term, null, why);
            } else {
                catchUp(now);
            }
        }
    }

    /**
     * The storage has a later term than this election acts in: the node followed a newer leader's
     * stream, or voted, outside it. A leader or candidate of the older term stops at once.
     */
    private void catchUp(long now) {
        long recorded = storage.term();
        if (recorded > term) {
            term = recorded;
            if (role != Role.FOLLOWER) {
                becomeFollower(now, term, null, "term " + term + " was recorded (a newer leader's stream)");
            } else {
                leader = null;
            }
        }
    }

    private boolean save(long newTerm, String votedFor) {
        if (!storage.save(newTerm, votedFor)) {
            return false;
        }
        term = newTerm;
        return true;
    }

    /** This node cannot lead after all (its log would not take the term): it follows, and stands again on its timer. */
    public void stepDown(String why, long now) {
        catchUp(now);
        if (role == Role.LEADER) {
            becomeFollower(now, term, null, why);
        }
    }

    /**
     * This node can no longer lead: its log or its state machine failed. A leader or candidate
     * steps down, and it never stands again. It still votes where its storage can record a vote
     * (not with a failed log), so that the others can elect one of themselves. Idempotent.
     */
    public void cannotLead(String why, long now) {
        catchUp(now);
        if (cannotLead == null) {
            cannotLead = why;
        }
        if (role != Role.FOLLOWER) {
            becomeFollower(now, term, null, "this node cannot lead: " + cannotLead);
        }
    }

    /**
     * This node lost, in {@code term}, records it may have acknowledged, none past {@code untilIndex}.
     * It grants no vote or pre-vote and does not stand until its log holds an entry of a later term
     * (a leader elected since has replicated to it, and such a leader holds every committed entry),
     * or reaches {@code untilIndex} (what it holds past its loss came from a leader of {@code term} or
     * later, which holds every entry it acknowledged). Only liveness is lost meanwhile: the others
     * elect without it.
     */
    public void withholdVotes(long term, long untilIndex, String why) {
        withheldThroughTerm = term;
        withheldUntilIndex = untilIndex;
        withheldWhy = why;
    }

    /** Why this node withholds its vote, or null when it gives it. */
    public String withheld() {
        if (withheldWhy != null) {
            liftIfCaughtUp(logEnd());
        }
        return withheldWhy;
    }

    private void liftIfCaughtUp(long[] end) {
        if (end[1] > withheldThroughTerm || end[0] >= withheldUntilIndex) {
            withheldThroughTerm = -1;
            withheldWhy = null;
        }
    }

    /** A leader heard from a majority of the cluster (itself included) just now. */
    public void quorumContact(long now) {
        if (role == Role.LEADER) {
            lastQuorumContact = now;
        }
    }

    /** The answer to a vote or pre-vote request; a granted vote is durable before this returns. */
    public VoteResponse receive(VoteRequest r, long now) {
        catchUp(now);
        long term = this.term;
        if (!peers.contains(r.candidate())) {
            // Only a member may be voted for: a vote recorded for another id could be read as a member's.
            return new VoteResponse(r.pre(), term, self, false, r.candidate().equals(self) ? "it has this node's own id " + self
                    : r.candidate() + " is not a member (the members are " + members() + ")");
        }
        String withheld = withheld();
        if (withheld != null) {
            return new VoteResponse(r.pre(), term, self, false, "this node votes again once a leader of a term after " + withheldThroughTerm
                    + " has replicated to it" + (withheldUntilIndex == Long.MAX_VALUE ? "" : ", or its log reaches index " + withheldUntilIndex)
                    + ": " + withheld);
        }
        // A node that hears its leader, or a leader that hears its majority, keeps it.
        boolean inLease = role == Role.LEADER ? now - lastQuorumContact < timeoutNanos
                : leaderContactKnown && leader != null && now - lastLeaderContact < timeoutNanos;
        if (r.term() > term && inLease) {
            return new VoteResponse(r.pre(), term, self, false, (role == Role.LEADER ? "this node leads" : leader + " leads")
                    + " term " + term + " and was heard " + millis(now - (role == Role.LEADER ? lastQuorumContact : lastLeaderContact))
                    + " ms ago");
        }
        if (r.term() < term) {
            return new VoteResponse(r.pre(), term, self, false, "term " + r.term() + " is older than this node's " + term);
        }
        if (r.pre()) {
            if (r.term() == term) {
                return new VoteResponse(true, term, self, false, "term " + r.term() + " is this node's own");
            }
            long[] end = logEnd();
            String behind = behind(r, end);
            if (behind != null) {
                return new VoteResponse(true, term, self, false, behind);
            }
            if (role == Role.PRE_CANDIDATE && r.term() == term + 1 && r.lastTerm() == end[1] && r.lastIndex() == end[0]
                    && self.compareTo(r.candidate()) < 0 && now - standingSince < timeoutNanos / 4) {
                // Both stood at once for the same term with the same log: were both granted, both
                // would campaign and split the vote. The lower id goes on; the other waits for its
                // vote. Only early in a round: a round that cannot win must not hold the other back.
                return new VoteResponse(true, term, self, false, "this node stands for term " + r.term() + " too, with the same log");
            }
            return new VoteResponse(true, r.term(), self, true, "");
        }
        if (r.term() > term) {
            if (!save(r.term(), null)) {
                catchUp(now);
                return new VoteResponse(false, this.term, self, false, "this node has moved to term " + this.term);
            }
            becomeFollower(now, r.term(), null, r.candidate() + " stands in term " + r.term());
            term = r.term();
        }
        String votedFor = storage.votedFor();
        if (votedFor != null && !MemberId.sameNode(votedFor, r.candidate())) {
            return new VoteResponse(false, term, self, false, "voted for " + votedFor + " in term " + term);
        }
        String behind = behind(r, logEnd());
        if (behind != null) {
            return new VoteResponse(false, term, self, false, behind);
        }
        if (!save(term, r.candidate())) {
            catchUp(now);
            return new VoteResponse(false, this.term, self, false, "this node follows " + storage.votedFor() + " in term " + this.term);
        }
        resetTimer(now); // a vote given: give the candidate its time
        return new VoteResponse(false, term, self, true, "");
    }

    /** An answer to this node's request. */
    public void receive(VoteResponse r, long now) {
        catchUp(now);
        long term = this.term;
        if (r.term() > term && !(r.pre() && r.granted())) {
            if (save(r.term(), null)) {
                becomeFollower(now, r.term(), null, r.voter() + " is in term " + r.term());
            } else {
                catchUp(now);
            }
            return;
        }
        if (!peers.contains(r.voter())) {
            return; // only members' votes make a majority
        }
        boolean counts = r.pre() ? role == Role.PRE_CANDIDATE && r.term() == term + 1 : role == Role.CANDIDATE && r.term() == term;
        if (!counts) {
            return; // late, or for an earlier round
        }
        (r.granted() ? granted : refused).add(r.voter());
        if (granted.size() >= majority()) {
            if (r.pre()) {
                campaign(now);
            } else {
                becomeLeader(now);
            }
        } else if (refused.size() >= majority()) {
            // Lost: wait for the next timeout as a follower; the winner, if any, will be heard.
            becomeFollower(now, term, null, (r.pre() ? "pre-vote" : "election") + " lost: " + r.voter() + ": " + r.reason());
        }
    }

    private static String behind(VoteRequest r, long[] end) {
        long lastIndex = end[0];
        long lastTerm = end[1];
        if (r.lastTerm() > lastTerm || r.lastTerm() == lastTerm && r.lastIndex() >= lastIndex) {
            return null;
        }
        return "its log (" + r.lastIndex() + " at term " + r.lastTerm() + ") is behind this node's (" + lastIndex + " at term " + lastTerm + ")";
    }

    private void preVote(long now, String why) {
        role = Role.PRE_CANDIDATE;
        leader = null;
        standingWhy = why;
        standingSince = now;
        granted.clear();
        refused.clear();
        granted.add(self);
        resetTimer(now);
        if (granted.size() >= majority()) {
            campaign(now);
            return;
        }
        long[] end = logEnd();
        VoteRequest request = new VoteRequest(true, term + 1, self, end[0], end[1]);
        for (String peer : peers) {
            effects.send(peer, request);
        }
    }

    private void campaign(long now) {
        long term = this.term + 1;
        if (!save(term, self)) {
            catchUp(now); // the node took that term outside the election: it follows there
            return;
        }
        role = Role.CANDIDATE;
        leader = null;
        granted.clear();
        refused.clear();
        granted.add(self);
        lastElection = new Started(now, term, standingWhy);
        resetTimer(now);
        effects.roleChanged(Role.CANDIDATE, term, null, "standing in term " + term + ": " + standingWhy);
        if (granted.size() >= majority()) {
            becomeLeader(now);
            return;
        }
        long[] end = logEnd();
        VoteRequest request = new VoteRequest(false, term, self, end[0], end[1]);
        for (String peer : peers) {
            effects.send(peer, request);
        }
    }

    private void becomeLeader(long now) {
        role = Role.LEADER;
        leader = self;
        lastQuorumContact = now; // the votes were the contact
        effects.roleChanged(Role.LEADER, term, self, "won term " + term + " with " + granted.size() + " of "
                + (peers.size() + 1) + " votes: " + standingWhy);
    }

    private void becomeFollower(long now, long term, String newLeader, String why) {
        Role was = role;
        String wasLeader = leader;
        role = Role.FOLLOWER;
        leader = newLeader;
        if (was != Role.FOLLOWER) {
            resetTimer(now);
        }
        if (was != Role.FOLLOWER || !Objects.equals(wasLeader, newLeader)) {
            effects.roleChanged(Role.FOLLOWER, term, newLeader, why);
        }
    }

    /** Where the log ends, read once: its last index and that entry's term. */
    private long[] logEnd() {
        return log.end();
    }

    private void resetTimer(long now) {
        deadline = now + timeoutNanos + (long) (random.nextDouble() * timeoutNanos);
    }

    private String members() {
        List<String> all = new ArrayList<>(peers);
        all.add(self);
        all.sort(null);
        return String.join(", ", all);
    }

    private int majority() {
        return (peers.size() + 1) / 2 + 1;
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
