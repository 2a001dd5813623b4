package dev.kmb.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A message as it travels through KMB: routing fields, an opaque JSON payload and {@link Metadata}. Immutable and
 * thread-safe; read and written by {@link EnvelopeCodec} in the snake_case shape of DESIGN.md.
 *
 * @param id            unique id and dedup key; generated (UUIDv7) when the sender gives none
 * @param timestamp     when the bus appended the message; empty before that
 * @param topic         where the message is published
 * @param type          what the message is for
 * @param key           partition key: messages with the same key keep their order
 * @param payload       the body, exact JSON bytes as sent
 * @param metadata      tracing, reply, stream and delivery information; {@link Metadata#EMPTY} when none
 * @param transactionId the transaction the message is published under; invisible until it commits
 */
public record Envelope(
        UUID id,
        Optional<Instant> timestamp,
        TopicName topic,
        MessageType type,
        Optional<String> key,
        RawJson payload,
        Metadata metadata,
        Optional<String> transactionId) {

    public Envelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(transactionId, "transactionId");
    }

    /** A builder for an envelope on {@code topic}; the id defaults to a fresh UUIDv7. */
    public static Builder builder(TopicName topic, MessageType type, RawJson payload) {
        return new Builder(topic, type, payload);
    }

    /** This envelope stamped with the bus's append time. */
    public Envelope withTimestamp(Instant appendedAt) {
        return new Envelope(id, Optional.of(appendedAt), topic, type, key, payload, metadata, transactionId);
    }

    /** This envelope with other metadata. */
    public Envelope withMetadata(Metadata newMetadata) {
        return new Envelope(id, timestamp, topic, type, key, payload, newMetadata, transactionId);
    }

    /** Builds an {@link Envelope}; not thread-safe. */
    public static final class Builder {
        private final TopicName topic;
        private final MessageType type;
        private final RawJson payload;
        private UUID id;
        private Optional<Instant> timestamp = Optional.empty();
        private Optional<String> key = Optional.empty();
        private Metadata metadata = Metadata.EMPTY;
        private Optional<String> transactionId = Optional.empty();

        private Builder(TopicName topic, MessageType type, RawJson payload) {
            this.topic = Objects.requireNonNull(topic, "topic");
            this.type = Objects.requireNonNull(type, "type");
            this.payload = Objects.requireNonNull(payload, "payload");
        }

        public Builder id(UUID value) {
            id = Objects.requireNonNull(value, "id");
            return this;
        }

        public Builder timestamp(Instant value) {
            timestamp = Optional.of(value);
            return this;
        }

        public Builder key(String value) {
            key = Optional.of(value);
            return this;
        }

        public Builder metadata(Metadata value) {
            metadata = Objects.requireNonNull(value, "metadata");
            return this;
        }

        public Builder transactionId(String value) {
            transactionId = Optional.of(value);
            return this;
        }

        public Envelope build() {
            return new Envelope(id != null ? id : UuidV7.system().get(), timestamp, topic, type, key, payload,
                    metadata, transactionId);
        }
    }
}
