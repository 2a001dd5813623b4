package dev.kmb.broker;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.kmb.core.Envelope;
import dev.kmb.core.MessageType;
import dev.kmb.core.RawJson;
import dev.kmb.core.Rfc3339;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The dead-letter envelope: how a {@link DeadLetter} is stored in a dead-letter topic, read back, and listed. The one
 * place this format is written down. Stateless and thread-safe.
 *
 * <p>A dead letter is an ordinary envelope on the dead-letter topic, so subscriptions and replay read it like any
 * other message. Its {@code id} is new; its {@code key} is the original's, so one key's dead letters keep their order.
 * The original message is embedded unchanged (id, key, headers, conversation id, payload: the stored envelope JSON,
 * byte for byte). The original id is {@code payload.original.id}.
 *
 * <pre>
 * {"id":"&lt;new UUIDv7&gt;","timestamp":"&lt;dead-lettered at&gt;","topic":"kmb.system.dlq","type":"event",
 *  "key":"&lt;the original's key, if it had one&gt;",
 *  "payload":{"subscription":"workers","topic":"orders","partition":0,"offset":17,"reason":"max_deliveries",
 *             "attempts":[{"at":"2026-01-02T03:04:05.678Z","consumer":"c-1","outcome":"nack"}, ...],
 *             "original":{ the original envelope as stored: "id", "timestamp", "topic", "type", "key", "payload",
 *                          "metadata" }}}
 * </pre>
 *
 * {@code reason} is {@code max_deliveries | rejected | expired}; an attempt's {@code outcome} is the consumer's reason,
 * or {@code nack}, {@code term}, {@code ack_timeout}. Readers ignore members they do not know, so members may be
 * added. The listing ({@code GET /v1/dlq}) shows each as
 *
 * <pre>
 * {"id","dead_lettered_at","subscription","reason","topic","partition","offset","attempts":[…],"original":{…}}
 * </pre>
 */
public final class DeadLetterFormat {

    private static final JsonFactory JSON = dev.kmb.core.JsonFactories.pooled();

    private DeadLetterFormat() {
    }

    /** The id and key of a stored envelope, read without decoding the rest. */
    record OriginalHead(Optional<UUID> id, Optional<String> key) {
    }

    /** The envelope that stores {@code letter} in {@code deadLetterTopic}, with a new id; the bus stamps its time. */
    static Envelope envelope(DeadLetter letter, TopicName deadLetterTopic, UUID id) {
        Envelope.Builder b = Envelope.builder(deadLetterTopic, MessageType.EVENT, RawJson.of(payload(letter))).id(id);
        head(letter.original()).key().ifPresent(b::key);
        return b.build();
    }

    /** The dead-letter document: subscription, where the original was, why, the attempts, and the original. */
    static byte[] payload(DeadLetter letter) {
        return generate(g -> {
            g.writeStartObject();
            g.writeStringField("subscription", letter.subscription());
            g.writeStringField("topic", letter.topic().value());
            g.writeNumberField("partition", letter.partition());
            g.writeNumberField("offset", letter.offset());
            g.writeStringField("reason", letter.reason().wire());
            writeAttempts(g, letter.attempts());
            g.writeFieldName("original");
            g.writeRawValue(new String(letter.original(), StandardCharsets.UTF_8));
            g.writeEndObject();
        });
    }

    /**
     * Reads a record of a dead-letter topic; empty when it is not a dead letter in this format (a namesake topic of
     * other messages, a corrupt document).
     */
    static Optional<StoredDeadLetter> read(TopicName deadLetterTopic, int partition, LogEntry entry) {
        byte[] json = entry.value();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            UUID id = null;
            Body body = null;
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken t = p.nextToken();
                if (name.equals("id") && t == JsonToken.VALUE_STRING) {
                    id = uuid(p.getText());
                } else if (name.equals("payload") && t == JsonToken.START_OBJECT) {
                    body = readBody(p, json);
                } else {
                    p.skipChildren();
                }
            }
            if (id == null || body == null || !body.complete()) {
                return Optional.empty();
            }
            Optional<UUID> originalId = head(body.original).id();
            if (originalId.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new StoredDeadLetter(id, Instant.ofEpochMilli(entry.timestamp()), deadLetterTopic,
                    partition, entry.offset(), body.subscription, body.topic, body.partition, body.offset, body.reason,
                    body.attempts, originalId.get(), body.original));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Writes one dead letter as the listing shows it; the original goes out byte for byte. */
    public static void write(JsonGenerator g, StoredDeadLetter d) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", d.id().toString());
        g.writeStringField("dead_lettered_at", Rfc3339.format(d.deadLetteredAt()));
        g.writeStringField("subscription", d.subscription());
        g.writeStringField("reason", d.reason().wire());
        g.writeStringField("topic", d.topic().value());
        g.writeNumberField("partition", d.partition());
        g.writeNumberField("offset", d.offset());
        writeAttempts(g, d.attempts());
        g.writeFieldName("original");
        g.writeRawValue(new String(d.original(), StandardCharsets.UTF_8));
        g.writeEndObject();
    }

    /** The id and key of a stored envelope; empty parts when it has none or is not one. */
    static OriginalHead head(byte[] envelope) {
        UUID id = null;
        String key = null;
        try (JsonParser p = JSON.createParser(envelope)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                    JsonToken t = p.nextToken();
                    if (name.equals("id") && t == JsonToken.VALUE_STRING) {
                        id = uuid(p.getText());
                    } else if (name.equals("key") && t == JsonToken.VALUE_STRING) {
                        key = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            // not an envelope: no id, no key
        }
        return new OriginalHead(Optional.ofNullable(id), Optional.ofNullable(key));
    }

    /** The members of {@code payload} as they are read; {@link #complete()} when every one was there. */
    private static final class Body {
        String subscription;
        TopicName topic;
        int partition = -1;
        long offset = -1;
        DeadLetter.Reason reason;
        List<DeadLetter.DeliveryAttempt> attempts;
        byte[] original;

        boolean complete() {
            return subscription != null && topic != null && partition >= 0 && offset >= 0 && reason != null
                    && attempts != null && original != null;
        }
    }

    private static Body readBody(JsonParser p, byte[] json) throws IOException {
        Body b = new Body();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "subscription" -> b.subscription = t == JsonToken.VALUE_STRING ? p.getText() : null;
                case "topic" -> b.topic = t == JsonToken.VALUE_STRING && TopicName.isValid(p.getText()) ? TopicName.of(p.getText()) : null;
                case "partition" -> b.partition = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                case "offset" -> b.offset = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                case "reason" -> b.reason = t == JsonToken.VALUE_STRING ? reason(p.getText()) : null;
                case "attempts" -> b.attempts = t == JsonToken.START_ARRAY ? readAttempts(p) : null;
                case "original" -> b.original = t == JsonToken.START_OBJECT ? slice(p, json) : null;
                default -> p.skipChildren();
            }
        }
        return b;
    }

    private static List<DeadLetter.DeliveryAttempt> readAttempts(JsonParser p) throws IOException {
        List<DeadLetter.DeliveryAttempt> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            Instant at = null;
            String consumer = null;
            String outcome = null;
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken t = p.nextToken();
                String text = t == JsonToken.VALUE_STRING ? p.getText() : null;
                switch (name) {
                    case "at" -> at = text == null ? null : Rfc3339.tryParse(text).orElse(null);
                    case "consumer" -> consumer = text;
                    case "outcome" -> outcome = text;
                    default -> p.skipChildren();
                }
            }
            if (at == null || consumer == null || outcome == null) {
                throw new IllegalArgumentException("an attempt lacks at, consumer or outcome");
            }
            out.add(new DeadLetter.DeliveryAttempt(at, consumer, outcome));
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            throw new IllegalArgumentException("attempts must be an array of objects");
        }
        return out;
    }

    /** The exact bytes of the object whose START_OBJECT is the current token. */
    private static byte[] slice(JsonParser p, byte[] json) throws IOException {
        long start = p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        long end = p.currentLocation().getByteOffset();
        return Arrays.copyOfRange(json, (int) start, (int) end);
    }

    private static void writeAttempts(JsonGenerator g, List<DeadLetter.DeliveryAttempt> attempts) throws IOException {
        g.writeArrayFieldStart("attempts");
        for (DeadLetter.DeliveryAttempt a : attempts) {
            g.writeStartObject();
            g.writeStringField("at", Rfc3339.format(a.at()));
            g.writeStringField("consumer", a.consumer());
            g.writeStringField("outcome", a.outcome());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static DeadLetter.Reason reason(String wire) {
        for (DeadLetter.Reason r : DeadLetter.Reason.values()) {
            if (r.wire().equals(wire)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown dead-letter reason '" + wire + "'");
    }

    private static UUID uuid(String text) {
        if (text.length() != 36) {
            throw new IllegalArgumentException("not a UUID: " + text);
        }
        return UUID.fromString(text);
    }

    private interface WriteStep {
        void apply(JsonGenerator generator) throws IOException;
    }

    private static byte[] generate(WriteStep step) {
        ByteArrayBuilder out = new ByteArrayBuilder(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            step.apply(g);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write a dead letter: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen writing to memory
        }
        return out.toByteArray();
    }
}
