package dev.kmb.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads typed values from the parser's current token and collects every {@link FieldError} instead of stopping at
 * the first, so a sender learns all that is wrong with a message at once. A JSON {@code null} reads as "absent".
 *
 * <p>The read methods return null for "absent or invalid" (the error, if any, is recorded): these are internal
 * per-field calls on the hot path, where an Optional per field would cost. One instance per decode; not thread-safe.
 */
final class FieldReader {

    private static final int MAX_SHOWN = 60;

    final JsonParser parser;
    private final List<FieldError> errors = new ArrayList<>(0);

    FieldReader(JsonParser parser) {
        this.parser = parser;
    }

    List<FieldError> errors() {
        return errors;
    }

    void error(String pointer, String message) {
        errors.add(new FieldError(pointer, message));
    }

    /** Records a type mismatch naming the bad value, and skips it. */
    void mismatch(String pointer, String expected) throws IOException {
        error(pointer, "must be " + expected + ", was " + describe());
        parser.skipChildren();
    }

    boolean isNull() {
        return parser.currentToken() == JsonToken.VALUE_NULL;
    }

    /** True when the value is an object; else records the mismatch and skips it. Null is "absent": false. */
    boolean object(String pointer) throws IOException {
        if (parser.currentToken() == JsonToken.START_OBJECT) {
            return true;
        }
        if (!isNull()) {
            mismatch(pointer, "an object");
        }
        return false;
    }

    String string(String pointer) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        if (token != JsonToken.VALUE_NULL) {
            mismatch(pointer, "a string");
        }
        return null;
    }

    Boolean bool(String pointer) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
            return token == JsonToken.VALUE_TRUE;
        }
        if (token != JsonToken.VALUE_NULL) {
            mismatch(pointer, "true or false");
        }
        return null;
    }

    /** A non-negative integer that fits a long. */
    Long count(String pointer) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            mismatch(pointer, "a non-negative integer");
            return null;
        }
        long value = parser.getLongValue();
        if (value < 0) {
            error(pointer, "must be >= 0, was " + value);
            return null;
        }
        return value;
    }

    /** Whole, non-negative seconds. */
    Duration seconds(String pointer) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            error(pointer, "must be a whole number of seconds, was " + describe());
            return null;
        }
        Long value = count(pointer);
        return value == null ? null : Duration.ofSeconds(value);
    }

    Instant timestamp(String pointer) throws IOException {
        String text = string(pointer);
        if (text == null) {
            return null;
        }
        Instant instant = Rfc3339.parse(text);
        if (instant == null) {
            error(pointer, "must be an RFC 3339 timestamp such as 2025-06-01T12:00:00Z, was " + quote(text));
        }
        return instant;
    }

    <E> E choice(String pointer, Function<String, Optional<E>> lookup, String allowed) throws IOException {
        String text = string(pointer);
        if (text == null) {
            return null;
        }
        Optional<E> value = lookup.apply(text);
        if (value.isEmpty()) {
            error(pointer, "must be one of " + allowed + ", was " + quote(text));
            return null;
        }
        return value.get();
    }

    /** The current value as a sender would recognise it, shortened. */
    String describe() throws IOException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            return "nothing";
        }
        if (token == JsonToken.START_OBJECT) {
            return "an object";
        }
        if (token == JsonToken.START_ARRAY) {
            return "an array";
        }
        if (token == JsonToken.VALUE_STRING) {
            return quote(parser.getText());
        }
        return shorten(parser.getText());
    }

    static String quote(String text) {
        return '"' + shorten(text) + '"';
    }

    private static String shorten(String text) {
        return text.length() <= MAX_SHOWN ? text : text.substring(0, MAX_SHOWN) + "…";
    }
}
