package dev.kmb.broker.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kmb.broker.spi.Ordering;
import dev.kmb.broker.spi.PendingRetry;
import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.StateStoreException;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The JSON documents in the {@code config} columns of {@code topics} and {@code subscriptions}. Thread-safe.
 *
 * <p>Configuration is a document, not columns, so that later fields (schema binding, ACLs, approval rules) need no
 * migration. The rules that keep that working across versions: names are snake_case; readers ignore fields they do
 * not know; every field added after V1 is optional and has its default here; an update merges into the stored
 * document, so fields written by a newer version survive an older one's update (a rolling upgrade of a cluster).
 *
 * <pre>
 * topics.config        {"partitions":3,"durability":"persistent","compression":"none",
 *                       "retention":{"max_age_ms":-1,"max_messages":-1,"max_bytes":-1},"dedup_window_ms":120000}
 *                       (dedup_window_ms optional: added in 0.2; absent reads as the default window, 0 is off)
 * subscriptions.config {"pattern":"orders.#","mode":"shared","start":"latest","ack_timeout_ms":30000,
 *                       "max_deliveries":3,"backoff_ms":[1000,5000,15000],"max_in_flight":1000,
 *                       "ordering":"relaxed","dead_letter_topic":"orders.dead","dead_letter_expired":false}
 *                       (the last three optional: added in 0.2; dead_letter_topic absent when not set)
 * </pre>
 */
final class StateDocuments {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    record RetentionDoc(@JsonProperty("max_age_ms") Long maxAgeMs,
                        @JsonProperty("max_messages") Long maxMessages,
                        @JsonProperty("max_bytes") Long maxBytes) {
    }

    // Boxed fields: a missing V1 field is reported as such instead of silently reading as 0.
    record TopicDoc(@JsonProperty("partitions") Integer partitions,
                    @JsonProperty("durability") String durability,
                    @JsonProperty("compression") String compression,
                    @JsonProperty("retention") RetentionDoc retention,
                    @JsonProperty("dedup_window_ms") Long dedupWindowMs) {
    }

    record SubscriptionDoc(@JsonProperty("pattern") String pattern,
                           @JsonProperty("mode") String mode,
                           @JsonProperty("start") String start,
                           @JsonProperty("ack_timeout_ms") Long ackTimeoutMs,
                           @JsonProperty("max_deliveries") Integer maxDeliveries,
                           @JsonProperty("backoff_ms") List<Long> backoffMs,
                           @JsonProperty("max_in_flight") Integer maxInFlight,
                           @JsonProperty("ordering") String ordering,
                           @JsonInclude(JsonInclude.Include.NON_NULL)
                           @JsonProperty("dead_letter_topic") String deadLetterTopic,
                           @JsonProperty("dead_letter_expired") Boolean deadLetterExpired) {
    }

    record AttemptDoc(@JsonProperty("at_ms") long atMs, @JsonProperty("consumer") String consumer,
                      @JsonProperty("outcome") String outcome) {
    }

    record RetryDoc(@JsonProperty("offset") long offset, @JsonProperty("attempts") int attempts,
                    @JsonProperty("due_ms") long dueMs, @JsonProperty("history") List<AttemptDoc> history) {
    }

    private static final com.fasterxml.jackson.core.type.TypeReference<List<RetryDoc>> RETRY_LIST =
            new com.fasterxml.jackson.core.type.TypeReference<>() {
            };

    private StateDocuments() {
    }

    /**
     * {@code cursors.retries}: {@code [{"offset":7,"attempts":2,"due_ms":…,"history":[{"at_ms":…,"consumer":…,
     * "outcome":"nack"}]}]}, or {@code ''} for none (the common case, kept free of JSON work).
     */
    static String retries(List<PendingRetry> retries) {
        if (retries.isEmpty()) {
            return "";
        }
        // streamed, not bound: a checkpoint with messages in backoff writes this for every pending retry each time
        StringWriter out = new StringWriter(64 * retries.size());
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartArray();
            for (PendingRetry r : retries) {
                g.writeStartObject();
                g.writeNumberField("offset", r.offset());
                g.writeNumberField("attempts", r.attempts());
                g.writeNumberField("due_ms", r.dueMillis());
                g.writeArrayFieldStart("history");
                for (PendingRetry.Attempt a : r.history()) {
                    g.writeStartObject();
                    g.writeNumberField("at_ms", a.atMillis());
                    g.writeStringField("consumer", a.consumer());
                    g.writeStringField("outcome", a.outcome());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    static List<PendingRetry> retries(String json) {
        if (json == null || json.isEmpty()) {
            return List.of();
        }
        try {
            return JSON.readValue(json, RETRY_LIST).stream().map(d -> new PendingRetry(d.offset(), d.attempts(), d.dueMs(),
                    d.history() == null ? List.of() : d.history().stream()
                            .map(a -> new PendingRetry.Attempt(a.atMs(), a.consumer(), a.outcome())).toList())).toList();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("retries is not the expected JSON: " + e.getOriginalMessage(), e);
        }
    }

    static String topicConfig(TopicRecord topic) {
        return write(topicDoc(topic));
    }

    /** The stored document with this topic's fields replaced and any field this version does not know kept. */
    static String mergeTopicConfig(String stored, TopicRecord topic) {
        try {
            JsonNode old = JSON.readTree(stored);
            ObjectNode merged = old instanceof ObjectNode object ? object : JSON.createObjectNode();
            merged.setAll((ObjectNode) JSON.valueToTree(topicDoc(topic)));
            return JSON.writeValueAsString(merged);
        } catch (JsonProcessingException e) {
            throw new StateStoreException("stored topic config is not JSON: " + stored, e);
        }
    }

    private static TopicDoc topicDoc(TopicRecord topic) {
        TopicSpec spec = topic.spec();
        Retention r = spec.retention();
        return new TopicDoc(spec.partitions(), spec.durability().wireName(), spec.compression().wireName(),
                new RetentionDoc(r.maxAgeMillis(), r.maxMessages(), r.maxBytes()), topic.dedupWindow().toMillis());
    }

    /** The topic's dedup window; {@link TopicRecord#DEFAULT_DEDUP_WINDOW} for a document written before it existed. */
    static Duration dedupWindow(String json) {
        Long ms = read(json, TopicDoc.class).dedupWindowMs();
        return ms == null ? TopicRecord.DEFAULT_DEDUP_WINDOW : TopicRecord.requireDedupWindow(Duration.ofMillis(ms));
    }

    static TopicSpec topicSpec(String json) {
        TopicDoc doc = read(json, TopicDoc.class);
        RetentionDoc r = required(doc.retention(), "retention");
        return new TopicSpec(required(doc.partitions(), "partitions"),
                Durability.fromWireName(required(doc.durability(), "durability")),
                new Retention(required(r.maxAgeMs(), "retention.max_age_ms"),
                        required(r.maxMessages(), "retention.max_messages"),
                        required(r.maxBytes(), "retention.max_bytes")),
                Compression.fromWireName(required(doc.compression(), "compression")));
    }

    static String subscriptionConfig(SubscriptionRecord s) {
        return write(new SubscriptionDoc(s.pattern().value(), s.mode().wireName(), s.start().format(),
                s.ackTimeout().toMillis(), s.maxDeliveries(), s.backoff().stream().map(Duration::toMillis).toList(),
                s.maxInFlight(), s.ordering().wireName(), s.deadLetterTopic().map(TopicName::value).orElse(null),
                s.deadLetterExpired()));
    }

    static SubscriptionRecord subscription(TenantId tenant, String name, String json, Instant createdAt) {
        SubscriptionDoc doc = read(json, SubscriptionDoc.class);
        List<Duration> backoff = required(doc.backoffMs(), "backoff_ms").stream()
                .map(ms -> Duration.ofMillis(required(ms, "backoff_ms[]")))
                .toList();
        return new SubscriptionRecord(tenant, name,
                TopicPattern.of(required(doc.pattern(), "pattern")),
                SubscriptionMode.fromWireName(required(doc.mode(), "mode")),
                StartPosition.parse(required(doc.start(), "start")),
                Duration.ofMillis(required(doc.ackTimeoutMs(), "ack_timeout_ms")),
                required(doc.maxDeliveries(), "max_deliveries"),
                backoff,
                required(doc.maxInFlight(), "max_in_flight"),
                createdAt,
                doc.ordering() == null ? Ordering.defaultFor(SubscriptionMode.fromWireName(doc.mode()))
                        : Ordering.fromWireName(doc.ordering()),
                Optional.ofNullable(doc.deadLetterTopic()).map(TopicName::of),
                Boolean.TRUE.equals(doc.deadLetterExpired()));
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("field '" + field + "' is missing");
        }
        return value;
    }

    private static String write(Object doc) {
        try {
            return JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new StateStoreException("cannot write " + doc.getClass().getSimpleName(), e);
        }
    }

    private static <T> T read(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(),
                    e);
        }
    }
}
