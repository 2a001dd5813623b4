package dev.kmb.client;

import dev.kmb.core.TopicName;
import java.time.Instant;
import java.util.UUID;

/**
 * Where a published message landed, as the bus acknowledged it. {@code duplicate} is true when the id was seen
 * within the dedup window and nothing new was appended. Immutable.
 */
public record Receipt(UUID id, TopicName topic, int partition, long offset, Instant timestamp, boolean duplicate) {
}
