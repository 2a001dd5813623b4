package dev.kmb.broker;

import dev.kmb.core.TopicName;
import java.time.Instant;
import java.util.UUID;

/**
 * The answer to one published message: where it landed. {@code duplicate} is true when the id was seen
 * within the dedup window and nothing was appended (the receipt is the first one's).
 */
public record Receipt(UUID id, TopicName topic, int partition, long offset, Instant timestamp, boolean duplicate) {
}
