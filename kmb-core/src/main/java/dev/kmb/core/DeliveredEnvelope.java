package dev.kmb.core;

import java.util.Objects;
import java.util.Optional;

/**
 * An envelope as handed to a subscriber: the message plus where it sits in the log and how often it was tried.
 * Written as the envelope's members followed by {@code partition}, {@code offset}, {@code delivery_attempt} and
 * {@code subscription}. Immutable and thread-safe.
 *
 * @param envelope        the message
 * @param partition       partition of the topic it was read from
 * @param offset          its offset in that partition
 * @param deliveryAttempt 1 on first delivery, then counting redeliveries
 * @param subscription    the durable subscription delivering it; empty for ephemeral subscriptions
 */
public record DeliveredEnvelope(
        Envelope envelope, int partition, long offset, int deliveryAttempt, Optional<String> subscription) {

    public DeliveredEnvelope {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(subscription, "subscription");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        if (deliveryAttempt < 1) {
            throw new IllegalArgumentException("deliveryAttempt must be >= 1, was " + deliveryAttempt);
        }
    }
}
