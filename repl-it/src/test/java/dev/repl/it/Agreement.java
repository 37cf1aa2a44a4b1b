package dev.repl.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.IntFunction;

/** Whether members that elect their leader agree on one, from their {@code /status}. */
final class Agreement {

    private Agreement() {
    }

    /**
     * The member that leads, if exactly one of those that answered says it leads and every other
     * that answered follows it in its term; otherwise -1.
     *
     * @param statuses each member's {@code /status}, null for one that did not answer (or is left out)
     * @param ids      a member's id from its number
     */
    static int leader(JsonNode[] statuses, IntFunction<String> ids) {
        int leader = -1;
        for (int m = 0; m < statuses.length; m++) {
            if (statuses[m] != null && statuses[m].path("role").asText().equals("leader")) {
                if (leader >= 0) {
                    return -1;
                }
                leader = m;
            }
        }
        if (leader < 0) {
            return -1;
        }
        long term = statuses[leader].path("election").path("term").asLong();
        for (JsonNode s : statuses) {
            if (s != null && s != statuses[leader] && (!s.path("election").path("leader").asText().equals(ids.apply(leader))
                    || s.path("election").path("term").asLong() != term)) {
                return -1;
            }
        }
        return leader;
    }
}
