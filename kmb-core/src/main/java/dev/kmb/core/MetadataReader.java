package dev.kmb.core;

import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads the {@code metadata} object (and its {@code auth}) of an envelope, recording every bad member. Unknown
 * members are refused like unknown envelope fields, except in lenient mode. Stateless; one call per object.
 */
final class MetadataReader {

    private MetadataReader() {}

    /** Reads the object at the current START_OBJECT; returns {@link Metadata#EMPTY} when a member was invalid. */
    static Metadata read(FieldReader r, String pointer, boolean lenient) throws IOException {
        int errorsBefore = r.errors().size();
        Metadata.Builder b = Metadata.builder();
        Seen seen = new Seen(r);
        for (String name = r.parser.nextFieldName(); name != null; name = r.parser.nextFieldName()) {
            r.parser.nextToken();
            String at = pointer + "/" + FieldError.escapePointerToken(name);
            if (!seen.first(name, at)) {
                r.parser.skipChildren();
                continue;
            }
            switch (name) {
                case "trace_id" -> set(r.string(at), b::traceId);
                case "correlation_id" -> set(r.string(at), b::correlationId);
                case "reply_to" -> set(r.string(at), b::replyTo);
                case "conversation_id" -> set(r.string(at), b::conversationId);
                case "stream_id" -> set(r.string(at), b::streamId);
                case "chunk_seq" -> set(r.count(at), b::chunkSeq);
                case "final" -> set(r.bool(at), b::isFinal);
                case "status" -> set(r.choice(at, ReplyStatus::fromWire, ReplyStatus.wireNames()), b::status);
                case "priority" -> set(r.choice(at, Priority::fromWire, Priority.wireNames()), b::priority);
                case "ttl" -> set(r.seconds(at), b::ttl);
                case "deliver_at" -> set(r.timestamp(at), b::deliverAt);
                case "delay" -> set(r.seconds(at), b::delay);
                case "headers" -> {
                    if (r.object(at)) {
                        b.headers(readHeaders(r, at));
                    }
                }
                case "auth" -> {
                    if (r.object(at)) {
                        b.auth(readAuth(r, at, lenient));
                    }
                }
                default -> unknown(r, at, lenient);
            }
        }
        return r.errors().size() == errorsBefore ? b.build() : Metadata.EMPTY;
    }

    private static Map<String, String> readHeaders(FieldReader r, String pointer) throws IOException {
        Map<String, String> headers = new HashMap<>();
        for (String name = r.parser.nextFieldName(); name != null; name = r.parser.nextFieldName()) {
            r.parser.nextToken();
            String at = pointer + "/" + FieldError.escapePointerToken(name);
            if (r.parser.currentToken() != JsonToken.VALUE_STRING) {
                r.mismatch(at, "a string");
            } else if (headers.putIfAbsent(name, r.parser.getText()) != null) {
                r.error(at, "appears more than once");
            }
        }
        return headers;
    }

    private static Auth readAuth(FieldReader r, String pointer, boolean lenient) throws IOException {
        String issuer = null;
        String clientId = null;
        String signature = null;
        Instant timestamp = null;
        Seen seen = new Seen(r);
        for (String name = r.parser.nextFieldName(); name != null; name = r.parser.nextFieldName()) {
            r.parser.nextToken();
            String at = pointer + "/" + FieldError.escapePointerToken(name);
            if (!seen.first(name, at)) {
                r.parser.skipChildren();
                continue;
            }
            switch (name) {
                case "issuer" -> issuer = r.string(at);
                case "client_id" -> clientId = r.string(at);
                case "signature" -> signature = r.string(at);
                case "timestamp" -> timestamp = r.timestamp(at);
                default -> unknown(r, at, lenient);
            }
        }
        return new Auth(Optional.ofNullable(issuer), Optional.ofNullable(clientId), Optional.ofNullable(signature),
                Optional.ofNullable(timestamp));
    }

    static void unknown(FieldReader r, String at, boolean lenient) throws IOException {
        if (!lenient) {
            r.error(at, "is not a known field");
        }
        r.parser.skipChildren();
    }

    private static <V> void set(V value, Consumer<V> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    /** Detects a member given twice: JSON leaves that undefined, and two readers could disagree on the value. */
    static final class Seen {
        private final FieldReader r;
        private String[] names = new String[8];
        private int count;

        Seen(FieldReader r) {
            this.r = r;
        }

        boolean first(String name, String at) {
            for (int i = 0; i < count; i++) {
                // Jackson interns field names, but compare by value to be safe with any parser.
                if (names[i].equals(name)) {
                    r.error(at, "appears more than once");
                    return false;
                }
            }
            if (count == names.length) {
                names = Arrays.copyOf(names, count * 2);
            }
            names[count++] = name;
            return true;
        }

        boolean contains(String name) {
            for (int i = 0; i < count; i++) {
                if (names[i].equals(name)) {
                    return true;
                }
            }
            return false;
        }
    }
}
