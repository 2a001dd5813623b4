package dev.kmb.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The envelope's {@code metadata}: tracing, request-reply, conversation and stream bookkeeping, delivery options
 * and the sender's auth. Immutable; absent members are empty Optionals, an empty map or {@code false}.
 *
 * @param traceId        trace id; maps to and from W3C {@code traceparent}
 * @param correlationId  ties a reply to its request
 * @param replyTo        where replies should go
 * @param conversationId the conversation this message belongs to (ordering key of its thread)
 * @param streamId       the stream a {@code stream_chunk} belongs to
 * @param chunkSeq       position of a chunk in its stream, from 0
 * @param isFinal        true on the last chunk of a stream ({@code final} on the wire)
 * @param status         outcome, on replies to commands
 * @param priority       delivery priority, {@link Priority#NORMAL} by default
 * @param ttl            how long the message stays deliverable after its timestamp, whole seconds
 * @param deliverAt      do not deliver before this instant
 * @param delay          do not deliver until this long after publish, whole seconds
 * @param headers        free-form string headers
 * @param auth           sender identity and signature
 */
public record Metadata(
        Optional<String> traceId,
        Optional<String> correlationId,
        Optional<String> replyTo,
        Optional<String> conversationId,
        Optional<String> streamId,
        OptionalLong chunkSeq,
        boolean isFinal,
        Optional<ReplyStatus> status,
        Priority priority,
        Optional<Duration> ttl,
        Optional<Instant> deliverAt,
        Optional<Duration> delay,
        Map<String, String> headers,
        Optional<Auth> auth) {

    /** Metadata with nothing set (priority normal). */
    public static final Metadata EMPTY = builder().build();

    public Metadata {
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(correlationId, "correlationId");
        Objects.requireNonNull(replyTo, "replyTo");
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(chunkSeq, "chunkSeq");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(deliverAt, "deliverAt");
        Objects.requireNonNull(auth, "auth");
        headers = Map.copyOf(headers);
        requireSeconds(ttl, "/metadata/ttl");
        requireSeconds(delay, "/metadata/delay");
        if (chunkSeq.isPresent() && chunkSeq.getAsLong() < 0) {
            throw invalid("/metadata/chunk_seq", "must be >= 0, was " + chunkSeq.getAsLong());
        }
    }

    private static void requireSeconds(Optional<Duration> duration, String pointer) {
        Objects.requireNonNull(duration, pointer);
        if (duration.isPresent()) {
            Duration d = duration.get();
            if (d.isNegative() || d.getNano() != 0) {
                throw invalid(pointer, "must be a whole, non-negative number of seconds, was " + d);
            }
        }
    }

    private static ProblemException invalid(String pointer, String message) {
        return new ProblemException(Problem.of(ProblemCode.INVALID_FIELD, pointer + " " + message,
                List.of(new FieldError(pointer, message))));
    }

    /** True when nothing is set, so the writer can leave {@code metadata} out. */
    public boolean isEmpty() {
        return equals(EMPTY);
    }

    /** A builder starting from nothing set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this metadata. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.traceId = traceId;
        b.correlationId = correlationId;
        b.replyTo = replyTo;
        b.conversationId = conversationId;
        b.streamId = streamId;
        b.chunkSeq = chunkSeq;
        b.isFinal = isFinal;
        b.status = status;
        b.priority = priority;
        b.ttl = ttl;
        b.deliverAt = deliverAt;
        b.delay = delay;
        b.headers = headers;
        b.auth = auth;
        return b;
    }

    /** Builds {@link Metadata}; not thread-safe. Validation happens in {@link #build()}. */
    public static final class Builder {
        private Optional<String> traceId = Optional.empty();
        private Optional<String> correlationId = Optional.empty();
        private Optional<String> replyTo = Optional.empty();
        private Optional<String> conversationId = Optional.empty();
        private Optional<String> streamId = Optional.empty();
        private OptionalLong chunkSeq = OptionalLong.empty();
        private boolean isFinal;
        private Optional<ReplyStatus> status = Optional.empty();
        private Priority priority = Priority.NORMAL;
        private Optional<Duration> ttl = Optional.empty();
        private Optional<Instant> deliverAt = Optional.empty();
        private Optional<Duration> delay = Optional.empty();
        private Map<String, String> headers = Map.of();
        private Optional<Auth> auth = Optional.empty();

        private Builder() {}

        public Builder traceId(String value) {
            traceId = Optional.of(value);
            return this;
        }

        public Builder correlationId(String value) {
            correlationId = Optional.of(value);
            return this;
        }

        public Builder replyTo(String value) {
            replyTo = Optional.of(value);
            return this;
        }

        public Builder conversationId(String value) {
            conversationId = Optional.of(value);
            return this;
        }

        public Builder streamId(String value) {
            streamId = Optional.of(value);
            return this;
        }

        public Builder chunkSeq(long value) {
            chunkSeq = OptionalLong.of(value);
            return this;
        }

        public Builder isFinal(boolean value) {
            isFinal = value;
            return this;
        }

        public Builder status(ReplyStatus value) {
            status = Optional.of(value);
            return this;
        }

        public Builder priority(Priority value) {
            priority = Objects.requireNonNull(value, "priority");
            return this;
        }

        public Builder ttl(Duration value) {
            ttl = Optional.of(value);
            return this;
        }

        public Builder deliverAt(Instant value) {
            deliverAt = Optional.of(value);
            return this;
        }

        public Builder delay(Duration value) {
            delay = Optional.of(value);
            return this;
        }

        public Builder headers(Map<String, String> value) {
            headers = Objects.requireNonNull(value, "headers");
            return this;
        }

        public Builder auth(Auth value) {
            auth = Optional.of(value);
            return this;
        }

        /** @throws ProblemException {@code invalid_field} when a value is out of range */
        public Metadata build() {
            return new Metadata(traceId, correlationId, replyTo, conversationId, streamId, chunkSeq, isFinal, status,
                    priority, ttl, deliverAt, delay, headers, auth);
        }
    }
}
