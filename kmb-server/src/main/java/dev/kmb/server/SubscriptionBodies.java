package dev.kmb.server;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.kmb.broker.PartitionLag;
import dev.kmb.broker.spi.SubscriptionRecord;
import java.math.BigDecimal;
import java.util.List;

/** The JSON bodies of the subscription routes (snake_case, durations in seconds). Immutable. */
final class SubscriptionBodies {

    private SubscriptionBodies() {
    }

    /**
     * {@code POST /v1/subscriptions}: {@code name} and {@code pattern} are required; the others default to
     * shared, latest, 30 s, 3, [1, 5, 15], 1000, the mode's ordering, {@code kmb.system.dlq}, false.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CreateSubscription(String name, String pattern, String mode, String start, BigDecimal ackTimeout,
                              Integer maxDeliveries, List<BigDecimal> backoff, Integer maxInFlight, String ordering,
                              String deadLetterTopic, Boolean deadLetterExpired) {
    }

    /** A durable subscription as every subscription route answers it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Subscription(String name, String pattern, String mode, String start, Number ackTimeout, int maxDeliveries,
                        List<Number> backoff, int maxInFlight, String ordering, String deadLetterTopic,
                        boolean deadLetterExpired, String createdAt) {

        static Subscription of(SubscriptionRecord s) {
            return new Subscription(s.name(), s.pattern().value(), s.mode().wireName(), s.start().format(),
                    FieldChecks.toSeconds(s.ackTimeout()), s.maxDeliveries(),
                    s.backoff().stream().map(FieldChecks::toSeconds).toList(), s.maxInFlight(),
                    s.ordering().wireName(), s.deadLetterTopic().map(t -> t.value()).orElse("kmb.system.dlq"),
                    s.deadLetterExpired(), s.createdAt().toString());
        }
    }

    /** {@code GET /v1/subscriptions}. */
    record SubscriptionList(List<Subscription> subscriptions) {
    }

    /** Longest {@code reason} a nack or term may give (it is kept in the attempt history). */
    static final int MAX_REASON = 1024;

    /**
     * {@code /ack}, {@code /nack} and {@code /term}: the message ids; {@code delay} (seconds, nack only) postpones
     * redelivery; {@code reason} (nack and term) is kept in the message's attempt history.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Settle(List<String> ids, BigDecimal delay, String reason) {
    }

    /** The answer to {@code /ack}: ids settled, and ids that were not in flight (reported, not fatal). */
    record Acked(int acked, List<String> unknown) {
    }

    /** The answer to {@code /nack}. */
    record Nacked(int nacked, List<String> unknown) {
    }

    /** The answer to {@code /term}. */
    record Termed(int termed, List<String> unknown) {
    }

    /** {@code /seek}: {@code earliest}, {@code latest}, an offset or an RFC 3339 time. */
    record Seek(String to) {
    }

    /** The answer to {@code /seek}. */
    record Sought(String subscription, String to) {
    }

    /** One partition of {@code /lag}; {@code oldest_unacked_age} is seconds, null when nothing is unacked. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record PartitionLagBody(String topic, int partition, long endOffset, long ackFloor, long pending, int inFlight, int scheduled,
                            long redelivered, Number oldestUnackedAge) {
        static PartitionLagBody of(PartitionLag l) {
            return new PartitionLagBody(l.topic().value(), l.partition(), l.endOffset(), l.ackFloor(), l.pending(),
                    l.inFlight(), l.scheduled(), l.redelivered(), l.oldestUnacked().map(FieldChecks::toSeconds).orElse(null));
        }
    }

    /** {@code GET /v1/subscriptions/{name}/lag}: the totals and each partition. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Lag(String subscription, long pending, long inFlight, long scheduled, List<PartitionLagBody> partitions) {
    }
}
