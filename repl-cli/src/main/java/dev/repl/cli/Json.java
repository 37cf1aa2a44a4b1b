package dev.repl.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The JSON mapper the CLI writes its {@code --json} output and reads status documents with. */
public final class Json {

    private Json() {
    }

    /** Built on first use: one-shot commands that print no JSON never load Jackson. */
    private static final class Holder {
        static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }

    public static ObjectMapper mapper() {
        return Holder.MAPPER;
    }

    /** {@code value} as one line of JSON, ending in a newline. */
    public static String line(Object value) {
        try {
            return Holder.MAPPER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
