package dev.repl.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** What the nodes and benchmarks print as JSON, parsed, so tests read fields rather than match text. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** The entry of {@code name} in a leader's {@code /status}; fails naming the document when there is none. */
    static JsonNode follower(JsonNode status, String name) {
        for (JsonNode follower : status.path("followers")) {
            if (follower.path("name").asText().equals(name)) {
                return follower;
            }
        }
        throw new AssertionError("no follower " + name + " in " + status);
    }
}
