package dev.kmb.broker;

import dev.kmb.core.TopicName;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Which dead letters to publish again, and where. The filters combine (all must hold); with none, {@code all} must be
 * set, so an empty body never moves a whole dead-letter topic by accident. Immutable.
 *
 * @param ids             dead-letter ids (the {@code id} the listing shows, not the original's); empty: any
 * @param subscription    only the dead letters of this subscription
 * @param topic           only those originally published on this topic
 * @param from            only those dead-lettered at or after this time
 * @param to              only those dead-lettered at or before this time
 * @param all             every dead letter of the topic; only without filters
 * @param targetTopic     where to publish; empty: each to its original topic
 * @param deadLetterTopic the dead-letter topic to take them from
 * @param limit           at most this many per request, 1..{@value #MAX_LIMIT}
 */
public record RedriveRequest(Set<UUID> ids, Optional<String> subscription, Optional<TopicName> topic,
                             Optional<Instant> from, Optional<Instant> to, boolean all, Optional<TopicName> targetTopic,
                             TopicName deadLetterTopic, int limit) {

    public static final int MAX_LIMIT = 10_000;
    public static final int DEFAULT_LIMIT = 1000;

    public RedriveRequest {
        ids = Set.copyOf(ids);
        Objects.requireNonNull(subscription, "subscription");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(targetTopic, "targetTopic");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        boolean filtered = !ids.isEmpty() || subscription.isPresent() || topic.isPresent() || from.isPresent()
                || to.isPresent();
        if (filtered == all) {
            throw new IllegalArgumentException(all ? "all selects every dead letter; it does not go with filters"
                    : "select dead letters by ids, subscription, topic, from or to, or set all");
        }
        if (from.isPresent() && to.isPresent() && from.get().isAfter(to.get())) {
            throw new IllegalArgumentException("from " + from.get() + " is after to " + to.get());
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be in 1.." + MAX_LIMIT + ", was " + limit);
        }
    }

    /** True when the dead letter is in the selection. */
    boolean selects(StoredDeadLetter d) {
        return (ids.isEmpty() || ids.contains(d.id()))
                && subscription.map(d.subscription()::equals).orElse(true)
                && topic.map(d.topic()::equals).orElse(true)
                && from.map(f -> !d.deadLetteredAt().isBefore(f)).orElse(true)
                && to.map(t -> !d.deadLetteredAt().isAfter(t)).orElse(true);
    }
}
