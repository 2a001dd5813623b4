package dev.kmb.broker;

import dev.kmb.core.TopicName;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Which dead letters to list: of one dead-letter topic, optionally only one subscription's, one original topic's, or
 * those dead-lettered at or after {@code from}; at most {@code limit} (1..{@value #MAX_LIMIT}), after {@code cursor}.
 * Immutable.
 */
public record DeadLetterQuery(TopicName deadLetterTopic, Optional<String> subscription, Optional<TopicName> topic,
                              Optional<Instant> from, Optional<String> cursor, int limit) {

    public static final int MAX_LIMIT = 1000;
    public static final int DEFAULT_LIMIT = 100;

    public DeadLetterQuery {
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(subscription, "subscription");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(cursor, "cursor");
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be in 1.." + MAX_LIMIT + ", was " + limit);
        }
    }

    /** True when the dead letter passes the filters (the cursor and limit are the service's business). */
    boolean selects(StoredDeadLetter d) {
        return subscription.map(d.subscription()::equals).orElse(true)
                && topic.map(d.topic()::equals).orElse(true)
                && from.map(f -> !d.deadLetteredAt().isBefore(f)).orElse(true);
    }
}
