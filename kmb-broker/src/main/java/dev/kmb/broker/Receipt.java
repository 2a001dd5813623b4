package dev.kmb.broker;

import dev.kmb.core.TopicName;
import java.time.Instant;
import java.util.UUID;

/**
 * The answer to one published message: where it landed. {@code duplicate} is true when the id was seen
 * within the dedup window and nothing was appended (the receipt is the first one's).
 */
public record Receipt(UUID id, TopicName topic, int partition, long offset, Instant timestamp, boolean duplicate) {

    /** This receipt given again to a duplicate of its message. */
    public Receipt asDuplicate() {
        return duplicate ? this : new Receipt(id, topic, partition, offset, timestamp, true);
    }
}
