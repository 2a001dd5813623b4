package dev.kmb.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Reads one envelope object from a streaming parser, recording every invalid field with its JSON pointer.
 *
 * <p>The payload is never parsed into a tree: when the input bytes are at hand its exact byte range is sliced out
 * (token start offset to the offset after its last token); otherwise its tokens are copied (same value, whitespace
 * normalised). Strict mode refuses unknown fields; lenient mode ignores them and reads the delivery fields
 * ({@code partition}, {@code offset}, {@code delivery_attempt}, {@code subscription}). One instance per decode;
 * not thread-safe.
 */
final class EnvelopeReader {

    private final FieldReader r;
    private final byte[] source; // null: copy the payload's tokens instead of slicing
    private final boolean lenient;
    private final Supplier<UUID> ids;
    private final JsonFactory factory;

    // Delivery fields of the last envelope read in lenient mode; -1 / null when absent.
    long partition = -1;
    long offset = -1;
    long deliveryAttempt = -1;
    String subscription;

    EnvelopeReader(FieldReader r, byte[] source, boolean lenient, Supplier<UUID> ids, JsonFactory factory) {
        this.r = r;
        this.source = source;
        this.lenient = lenient;
        this.ids = ids;
        this.factory = factory;
    }

    /** Reads the object whose START_OBJECT is the current token; null when a field was invalid (see errors). */
    Envelope read(String base) throws IOException {
        int errorsBefore = r.errors().size();
        UUID id = null;
        Instant timestamp = null;
        TopicName topic = null;
        MessageType type = null;
        String key = null;
        RawJson payload = null;
        Metadata metadata = Metadata.EMPTY;
        String transactionId = null;
        partition = offset = deliveryAttempt = -1;
        subscription = null;

        MetadataReader.Seen seen = new MetadataReader.Seen(r);
        for (String name = r.parser.nextFieldName(); name != null; name = r.parser.nextFieldName()) {
            r.parser.nextToken();
            String at = base + "/" + FieldError.escapePointerToken(name);
            if (!seen.first(name, at)) {
                r.parser.skipChildren();
                continue;
            }
            switch (name) {
                case "id" -> id = readId(at);
                case "timestamp" -> timestamp = r.timestamp(at);
                case "topic" -> topic = readTopic(at);
                case "type" -> type = r.choice(at, MessageType::fromWire, MessageType.wireNames());
                case "key" -> key = r.string(at);
                case "payload" -> payload = readPayload();
                case "metadata" -> {
                    if (r.object(at)) {
                        metadata = MetadataReader.read(r, at, lenient);
                    }
                }
                case "transaction_id" -> transactionId = r.string(at);
                default -> readOther(name, at);
            }
        }
        if (topic == null) {
            requireSeen(seen, "topic", base);
        }
        if (type == null) {
            requireSeen(seen, "type", base);
        }
        if (payload == null) {
            requireSeen(seen, "payload", base);
        }
        if (r.errors().size() != errorsBefore) {
            return null;
        }
        return new Envelope(id != null ? id : ids.get(), Optional.ofNullable(timestamp), topic, type,
                Optional.ofNullable(key), payload, metadata, Optional.ofNullable(transactionId));
    }

    // Absent (or null) required fields get "is required"; present but invalid ones already have their error.
    private void requireSeen(MetadataReader.Seen seen, String name, String base) {
        if (!seen.contains(name) || r.errors().stream().noneMatch(e -> e.pointer().equals(base + "/" + name))) {
            r.error(base + "/" + name, "is required");
        }
    }

    private UUID readId(String at) throws IOException {
        String text = r.string(at);
        if (text == null) {
            return null;
        }
        UUID id = UuidV7.parseStrict(text);
        if (id == null) {
            r.error(at, "must be a UUID such as 0190f0a6-3c6e-7d1a-9a3b-2f4c5d6e7f80, was " + FieldReader.quote(text));
        }
        return id;
    }

    private TopicName readTopic(String at) throws IOException {
        String text = r.string(at);
        if (text == null) {
            return null;
        }
        String problem = TopicName.check(text);
        if (problem != null) {
            r.error(at, problem);
            return null;
        }
        return TopicName.of(text);
    }

    private RawJson readPayload() throws IOException {
        JsonToken token = r.parser.currentToken();
        if (source == null) {
            ByteArrayBuilder copy = new ByteArrayBuilder(256);
            try (JsonGenerator generator = factory.createGenerator(copy)) {
                generator.copyCurrentStructure(r.parser);
            }
            return RawJson.trusted(copy.toByteArray());
        }
        long start = r.parser.currentTokenLocation().getByteOffset();
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
            r.parser.skipChildren();
        } else if (token == JsonToken.VALUE_STRING) {
            r.parser.finishToken(); // strings are scanned lazily; make the parser pass the closing quote
        }
        long end = r.parser.currentLocation().getByteOffset();
        return RawJson.trusted(Arrays.copyOfRange(source, (int) start, (int) end));
    }

    private void readOther(String name, String at) throws IOException {
        if (!lenient) {
            MetadataReader.unknown(r, at, false);
            return;
        }
        switch (name) {
            case "partition" -> partition = orMinusOne(r.count(at));
            case "offset" -> offset = orMinusOne(r.count(at));
            case "delivery_attempt" -> deliveryAttempt = orMinusOne(r.count(at));
            case "subscription" -> subscription = r.string(at);
            default -> r.parser.skipChildren();
        }
    }

    private static long orMinusOne(Long value) {
        return value == null ? -1 : value;
    }
}
