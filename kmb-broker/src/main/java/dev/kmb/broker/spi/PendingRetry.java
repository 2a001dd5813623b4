package dev.kmb.broker.spi;

import java.util.List;
import java.util.Objects;

/**
 * A message of a partition that failed a delivery and is not settled yet: how many attempts it had, when the next
 * one is due and how each ended. Kept with the partition's {@link CursorState}, so a restart (kill -9 included)
 * keeps the attempt count and the backoff. Immutable.
 *
 * @param offset    the message's offset in the partition
 * @param attempts  deliveries so far, &ge; 1
 * @param dueMillis epoch millis of the next attempt
 * @param history   how each attempt ended, oldest first
 */
public record PendingRetry(long offset, int attempts, long dueMillis, List<Attempt> history) {

    /**
     * One failed attempt.
     *
     * @param atMillis when it ended, epoch millis
     * @param consumer the member that had the message
     * @param outcome  the consumer's reason, or {@code nack}, {@code term}, {@code ack_timeout}
     */
    public record Attempt(long atMillis, String consumer, String outcome) {
        public Attempt {
            Objects.requireNonNull(consumer, "consumer");
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    public PendingRetry {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1, was " + attempts);
        }
        history = List.copyOf(history);
    }
}
