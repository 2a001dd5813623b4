package dev.kmb.broker;

import java.util.ArrayList;
import java.util.List;

import dev.kmb.log.spi.TopicPartition;
import java.util.UUID;

/** A message a durable subscription has handed out and not yet seen acked. Dispatcher thread only. */
final class Tracked {

    enum State { IN_FLIGHT, WAITING, DEAD_LETTERING, WAITING_DEAD_LETTER, SETTLED }

    final UUID id;
    final TopicPartition logPartition;
    final long offset;
    final String key; // null when the message has none
    final byte[] stored;
    final long timestamp;
    int attempt;
    State state = State.WAITING;
    Member member;
    long deadline;
    long due;
    /** Attempts that ended without an ack, oldest first. */
    final List<DeadLetter.DeliveryAttempt> history = new ArrayList<>(2);

    Tracked(UUID id, TopicPartition logPartition, long offset, String key, byte[] stored, long timestamp) {
        this.id = id;
        this.logPartition = logPartition;
        this.offset = offset;
        this.key = key;
        this.stored = stored;
        this.timestamp = timestamp;
    }
}
