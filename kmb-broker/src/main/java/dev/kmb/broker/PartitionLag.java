package dev.kmb.broker;

import dev.kmb.core.TopicName;
import java.time.Duration;
import java.util.Optional;

/**
 * Where a subscription stands on one partition.
 *
 * @param endOffset       next offset to be written
 * @param ackFloor        every offset below it is acked
 * @param pending         messages not yet acked (in flight, waiting, or not yet delivered)
 * @param inFlight        delivered and awaiting an ack
 * @param redelivered     deliveries after the first attempt, since the bus started
 * @param oldestUnacked   age of the oldest message not yet acked, if any
 * @param scheduled       delayed messages read and waiting for their delivery time (part of pending)
 */
public record PartitionLag(TopicName topic, int partition, long endOffset, long ackFloor, long pending, int inFlight,
                           long redelivered, Optional<Duration> oldestUnacked, int scheduled) {
}
