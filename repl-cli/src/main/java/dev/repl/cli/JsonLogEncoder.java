package dev.repl.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.event.KeyValuePair;

/**
 * One flat JSON object per log line: {@code time}, {@code level}, {@code node}, {@code event}, the
 * event's own fields ({@code follower}, {@code from}, {@code to}, {@code reason}, {@code rttUs}, …),
 * {@code message}, and {@code error} with a throwable. Logback's own {@code JsonEncoder} nests the
 * fields in a list of one-entry objects and writes the time as epoch milliseconds, which makes
 * every {@code jq} or Loki query longer; this writes the same data flat, through Jackson's generator.
 */
final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {

    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
    private static final String EVENT = "event";
    /** Every line's own fields: an event's field of the same name would make a duplicate key, so it is left out. */
    private static final Set<String> RESERVED = Set.of("time", "level", "node", EVENT, "message", "error", "stack");
    private static final Pattern WORD_START = Pattern.compile("([a-z0-9])([A-Z])");

    private final boolean stackTraces;

    /** @param stackTraces add a throwable's stack trace ({@code --verbose}), not only its one-line description */
    JsonLogEncoder(boolean stackTraces) {
        this.stackTraces = stackTraces;
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("time", TIME.format(event.getInstant()));
            json.writeStringField("level", event.getLevel().toString());
            Map<String, String> properties = event.getLoggerContextVO().getPropertyMap();
            if (properties.containsKey(Logging.NODE)) {
                json.writeStringField("node", properties.get(Logging.NODE));
            }
            List<KeyValuePair> fields = event.getKeyValuePairs() == null ? List.of() : event.getKeyValuePairs();
            json.writeStringField(EVENT, eventName(event, fields));
            for (KeyValuePair field : fields) {
                if (!RESERVED.contains(field.key)) {
                    writeField(json, field.key, field.value);
                }
            }
            json.writeStringField("message", event.getFormattedMessage());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                json.writeStringField("error", thrown.getClassName() + ": " + thrown.getMessage());
                if (stackTraces) {
                    json.writeStringField("stack", ThrowableProxyUtil.asString(thrown));
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** A line logged without a named event is named for the class that logged it: {@code SegmentedLog} is {@code segmented-log}. */
    private static String eventName(ILoggingEvent event, List<KeyValuePair> fields) {
        for (KeyValuePair field : fields) {
            if (EVENT.equals(field.key)) {
                return String.valueOf(field.value);
            }
        }
        String logger = event.getLoggerName();
        String simple = logger.substring(logger.lastIndexOf('.') + 1);
        return WORD_START.matcher(simple).replaceAll("$1-$2").toLowerCase(Locale.ROOT);
    }

    private static void writeField(JsonGenerator json, String name, Object value) throws IOException {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            json.writeNumberField(name, ((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            json.writeNumberField(name, ((Number) value).doubleValue());
        } else if (value instanceof Boolean flag) {
            json.writeBooleanField(name, flag);
        } else if (value == null) {
            json.writeNullField(name);
        } else {
            json.writeStringField(name, value.toString());
        }
    }
}
