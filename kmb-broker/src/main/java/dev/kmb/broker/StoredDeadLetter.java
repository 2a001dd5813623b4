package dev.kmb.broker;

import dev.kmb.core.TopicName;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A dead letter as read back from a dead-letter topic: its own identity and place, and what {@link DeadLetter} held
 * (the format is {@link DeadLetterFormat}). Immutable; {@code original} is not copied, treat it as read-only.
 *
 * @param id              the dead letter's own id (a new one, not the original's)
 * @param deadLetteredAt  when it was appended to the dead-letter topic
 * @param deadLetterTopic the topic it sits in
 * @param dlqPartition    its partition there
 * @param dlqOffset       its offset there
 * @param subscription    the subscription that gave up on the original
 * @param topic           where the original was published
 * @param partition       the original's partition there
 * @param offset          the original's offset there
 * @param reason          why the subscription gave up
 * @param attempts        the delivery attempts, oldest first
 * @param originalId      the original message's id
 * @param original        the original envelope JSON, byte for byte as it was stored
 */
public record StoredDeadLetter(UUID id, Instant deadLetteredAt, TopicName deadLetterTopic, int dlqPartition,
                               long dlqOffset, String subscription, TopicName topic, int partition, long offset,
                               DeadLetter.Reason reason, List<DeadLetter.DeliveryAttempt> attempts, UUID originalId,
                               byte[] original) {

    public StoredDeadLetter {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(deadLetteredAt, "deadLetteredAt");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(subscription, "subscription");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(reason, "reason");
        attempts = List.copyOf(attempts);
        Objects.requireNonNull(originalId, "originalId");
        Objects.requireNonNull(original, "original");
    }
}
