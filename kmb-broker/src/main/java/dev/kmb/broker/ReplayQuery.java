package dev.kmb.broker;

import java.time.Instant;
import java.util.Optional;

/**
 * What to replay from a topic: one partition or all, from an offset, a time or a cursor, up to a time,
 * at most {@code limit} messages (1..{@value #MAX_LIMIT}).
 */
public record ReplayQuery(Optional<Integer> partition, Optional<Long> fromOffset, Optional<Instant> from,
                          Optional<Instant> to, Optional<String> cursor, int limit) {

    public static final int MAX_LIMIT = 1000;
    public static final int DEFAULT_LIMIT = 100;

    public ReplayQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be in 1.." + MAX_LIMIT + ", was " + limit);
        }
        if (fromOffset.isPresent() && partition.isEmpty()) {
            throw new IllegalArgumentException("from_offset needs a partition");
        }
        if (fromOffset.isPresent() && fromOffset.get() < 0) {
            throw new IllegalArgumentException("from_offset must be >= 0, was " + fromOffset.get());
        }
    }
}
