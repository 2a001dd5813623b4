package dev.kmb.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.kmb.broker.TopicInfo;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The JSON bodies of the topic routes (snake_case). Durations are seconds; a retention limit that is absent,
 * {@code null} or {@code -1} means unlimited, and unlimited limits are written as {@code null}. Immutable.
 */
final class TopicBodies {

    private TopicBodies() {
    }

    /** {@code POST /v1/topics}: only {@code name} is required; the rest default to the bus's topic defaults. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CreateTopic(String name, Integer partitions, String durability, RetentionBody retention, String compression,
                       JsonNode dedupWindow) {
    }

    /** {@code PATCH /v1/topics/{name}}: absent fields stay; a present {@code retention} replaces the whole retention. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record PatchTopic(Integer partitions, String durability, RetentionBody retention, String compression,
                      JsonNode dedupWindow) {
    }

    /**
     * {@code dedup_window}: seconds (fractions allowed, millisecond precision), {@code 0} or {@code "off"} for none;
     * empty when absent or {@code null}. Errors are recorded under {@code /dedup_window}.
     */
    static Optional<Duration> dedupWindow(FieldChecks checks, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return Optional.empty();
        }
        if (value.isTextual() && value.asText().equals("off")) {
            return Optional.of(Duration.ZERO);
        }
        if (!value.isNumber()) {
            checks.fail("/dedup_window", "dedup_window must be seconds (a number, 0 for off) or \"off\", was " + value);
            return Optional.empty();
        }
        return Optional.ofNullable(checks.check("/dedup_window", () -> TopicRecord.requireDedupWindow(
                FieldChecks.seconds("dedup_window", value.decimalValue(), true)), null));
    }

    /** Retention limits on the wire: seconds, messages, bytes. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record RetentionBody(BigDecimal maxAge, Long maxMessages, Long maxBytes) {

        /** The log's retention; errors are recorded under {@code pointer}. */
        Retention toRetention(FieldChecks checks, String pointer) {
            long age = maxAge == null || maxAge.compareTo(BigDecimal.valueOf(-1)) == 0 ? Retention.UNLIMITED
                    : checks.check(pointer + "/max_age", () -> FieldChecks.seconds("retention.max_age", maxAge, false).toMillis(),
                    Retention.UNLIMITED);
            long messages = limit(checks, pointer + "/max_messages", "retention.max_messages", maxMessages);
            long bytes = limit(checks, pointer + "/max_bytes", "retention.max_bytes", maxBytes);
            return new Retention(age, messages, bytes);
        }

        private static long limit(FieldChecks checks, String pointer, String name, Long value) {
            if (value == null || value == Retention.UNLIMITED) {
                return Retention.UNLIMITED;
            }
            if (value <= 0) {
                checks.fail(pointer, name + " must be positive, or -1/null for unlimited; was " + value);
                return Retention.UNLIMITED;
            }
            return value;
        }

        static RetentionBody of(Retention r) {
            return new RetentionBody(r.maxAgeMillis() == Retention.UNLIMITED ? null
                    : new BigDecimal(FieldChecks.toSeconds(Duration.ofMillis(r.maxAgeMillis())).toString()),
                    r.maxMessages() == Retention.UNLIMITED ? null : r.maxMessages(),
                    r.maxBytes() == Retention.UNLIMITED ? null : r.maxBytes());
        }
    }

    /** A partition's offsets: the first still kept and the next to be written. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record PartitionOffsets(int partition, long startOffset, long endOffset) {
    }

    /** A topic as answered by every topic route. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Topic(String name, int partitions, String durability, RetentionBody retention, String compression,
                 Number dedupWindow, String createdAt, String updatedAt, List<PartitionOffsets> partitionOffsets) {

        static Topic of(TopicInfo info) {
            TopicSpec spec = info.spec();
            return new Topic(info.name().value(), spec.partitions(), spec.durability().wireName(),
                    RetentionBody.of(spec.retention()), spec.compression().wireName(),
                    FieldChecks.toSeconds(info.dedupWindow()), info.createdAt().toString(),
                    info.updatedAt().toString(), info.partitions().stream()
                    .map(p -> new PartitionOffsets(p.partition(), p.startOffset(), p.endOffset())).toList());
        }
    }

    /** {@code GET /v1/topics}. */
    record TopicList(List<Topic> topics) {
    }
}
