package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.TopicName;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A message a subscription gave up on, with why and the history of its delivery attempts: what the dispatcher hands
 * to a {@link DeadLetterSink}. Immutable.
 *
 * @param tenant          owner of the subscription
 * @param subscription    the subscription that gave up
 * @param deadLetterTopic the subscription's own dead-letter topic; empty means {@code kmb.system.dlq}
 * @param topic           where the message was published
 * @param partition       its partition there
 * @param offset          its offset there
 * @param id              the message id
 * @param original        the stored envelope JSON, byte for byte as the log holds it
 * @param reason          why the subscription gave up
 * @param attempts        every delivery attempt, oldest first (empty for a message that expired before delivery)
 */
public record DeadLetter(TenantId tenant, String subscription, Optional<TopicName> deadLetterTopic, TopicName topic,
                         int partition, long offset, UUID id, byte[] original, Reason reason,
                         List<DeliveryAttempt> attempts) {

    /** Why a message was dead-lettered; {@link #wire()} is its name in JSON. */
    public enum Reason {
        /** Every allowed delivery failed (nack or ack timeout). */
        MAX_DELIVERIES("max_deliveries"),
        /** A consumer rejected it outright ({@code term}). */
        REJECTED("rejected"),
        /** Its {@code ttl} ran out and the subscription asked for expired messages to be dead-lettered. */
        EXPIRED("expired");

        private final String wire;

        Reason(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /**
     * One delivery attempt and how it ended.
     *
     * @param at       when the attempt ended
     * @param consumer the member that had it
     * @param outcome  the consumer's reason for a nack or term, else {@code nack}, {@code term} or {@code ack_timeout}
     */
    public record DeliveryAttempt(Instant at, String consumer, String outcome) {
        public DeliveryAttempt {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(consumer, "consumer");
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    public DeadLetter {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(subscription, "subscription");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(reason, "reason");
        attempts = List.copyOf(attempts);
    }
}
