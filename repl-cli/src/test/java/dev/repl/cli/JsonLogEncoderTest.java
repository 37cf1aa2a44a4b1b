package dev.repl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** What a log pipeline reads from {@code --log-format json}: one flat object per line. */
class JsonLogEncoderTest {

    private final LoggerContext context = new LoggerContext();

    private JsonNode encode(LoggingEvent event, boolean verbose) throws IOException {
        JsonLogEncoder encoder = new JsonLogEncoder(verbose);
        encoder.setContext(context);
        encoder.start();
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
        return new ObjectMapper().readTree(line);
    }

    private LoggingEvent event(String logger, Level level, String message, Throwable thrown, Object... args) {
        LoggingEvent event = new LoggingEvent(getClass().getName(), context.getLogger(logger), level, message, thrown, args);
        event.setInstant(Instant.parse("2026-11-26T16:30:00.120Z"));
        return event;
    }

    @Test
    void namedEventCarriesItsFieldsFlatAndTyped() throws IOException {
        context.putProperty(Logging.NODE, "leader");
        LoggingEvent event = event("dev.repl.liveness.FollowerHealth", Level.WARN, "{}: {} {}", null, "leader", "follower-2", "UP -> DOWN: \"reset\"");
        event.addKeyValuePair(new KeyValuePair("event", "follower-state"));
        event.addKeyValuePair(new KeyValuePair("follower", "follower-2"));
        event.addKeyValuePair(new KeyValuePair("rttUs", 412L));
        event.addKeyValuePair(new KeyValuePair("reason", null));
        event.addKeyValuePair(new KeyValuePair("message", "a field may not replace the line's own"));
        JsonNode json = encode(event, false);
        assertEquals("2026-11-26T16:30:00.120Z", json.get("time").asText());
        assertEquals("WARN", json.get("level").asText());
        assertEquals("leader", json.get("node").asText());
        assertEquals("follower-state", json.get("event").asText());
        assertEquals("follower-2", json.get("follower").asText());
        assertTrue(json.get("rttUs").isNumber());
        assertEquals(412, json.get("rttUs").asLong());
        assertTrue(json.get("reason").isNull());
        assertEquals("leader: follower-2 UP -> DOWN: \"reset\"", json.get("message").asText());
    }

    @Test
    void lineWithoutANamedEventIsNamedForItsClass() throws IOException {
        JsonNode json = encode(event("dev.repl.log.SegmentedLog", Level.INFO, "log: cut", null), false);
        assertEquals("segmented-log", json.get("event").asText());
        assertFalse(json.has("node"), "no node named yet");
    }

    @Test
    void throwableIsOneFieldAndItsStackOnlyWhenVerbose() throws IOException {
        IllegalStateException failure = new IllegalStateException("disk full");
        JsonNode quiet = encode(event("dev.repl.log.LogWriter", Level.ERROR, "failed", failure), false);
        assertEquals("java.lang.IllegalStateException: disk full", quiet.get("error").asText());
        assertFalse(quiet.has("stack"));
        JsonNode verbose = encode(event("dev.repl.log.LogWriter", Level.ERROR, "failed", failure), true);
        assertTrue(verbose.get("stack").asText().contains("JsonLogEncoderTest"), verbose.toString());
    }
}
