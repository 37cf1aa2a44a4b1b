package dev.repl.election;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A member's id ({@code --id}, the ids in {@code --peers}) and the votes a member records with it.
 * A vote names a candidate by its id, or the leader a member follows as {@code id#incarnation}
 * (the stream of a leader whose data directory was lost must not pass for the one followed). An
 * id has no {@code '#'}, so a recorded vote splits into its member and incarnation one way only:
 * with members {@code n} and {@code n#1}, a vote for one would read as a vote for the other.
 */
public final class MemberId {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,61}");

    private MemberId() {
    }

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /**
     * @return the id
     * @throws IllegalArgumentException when it is not 1-62 letters, digits, '.', '_' or '-', starting with a letter or digit
     */
    public static String check(String id) {
        Objects.requireNonNull(id, "id");
        if (!isValid(id)) {
            throw new IllegalArgumentException("member id '" + id + "' must be 1-62 letters, digits, '.', '_' or '-', starting with a"
                    + " letter or digit");
        }
        return id;
    }

    /** The member a recorded vote names: {@code n} for {@code n} and for {@code n#1f}. */
    public static String memberOf(String vote) {
        int hash = vote.lastIndexOf('#');
        return hash < 0 ? vote : vote.substring(0, hash);
    }

    /** The incarnation of the leader a recorded vote names ({@code 1f} for {@code n#1f}), or null for a vote for a candidate. */
    public static String incarnationOf(String vote) {
        int hash = vote.lastIndexOf('#');
        return hash < 0 ? null : vote.substring(hash + 1);
    }

    /**
     * Whether two recorded votes name one node: equal, or a candidate's id and the leader it became
     * ({@code n} and {@code n#1f}). Two incarnations of one id are two leaders.
     */
    public static boolean sameNode(String a, String b) {
        if (a.equals(b)) {
            return true;
        }
        return (incarnationOf(a) == null) != (incarnationOf(b) == null) && memberOf(a).equals(memberOf(b));
    }
}
