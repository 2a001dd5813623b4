package dev.kmb.broker;

import dev.kmb.broker.spi.PendingRetry;
import dev.kmb.log.spi.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A message a subscription has read from the log and not settled yet, whatever it waits for (a member, its delivery
 * time, the end of a backoff, an earlier message of its key, the dead-letter topic). Dispatcher thread only.
 */
final class Tracked {

    /** Where the message is in its life; each state says which queue of the dispatcher holds it. */
    enum State {
        /** In the ready queue: may be delivered now. */
        READY,
        /** With a member, waiting for its ack (deadline queue). */
        IN_FLIGHT,
        /** In backoff after a failed attempt (timer queue). */
        WAITING,
        /** Not to be delivered before its {@code deliver_at} (timer queue). */
        SCHEDULED,
        /** Strict ordering: behind an earlier message of its key that is in backoff. */
        PARKED,
        /** Handed to the dead-letter sink, not yet stored there. */
        DEAD_LETTERING,
        /** The dead-letter sink failed; it is offered again when due (timer queue). */
        WAITING_DEAD_LETTER,
        /** Acked, dead-lettered, expired or forgotten: in no queue. */
        SETTLED
    }

    final UUID id;
    final TopicPartition logPartition;
    final long offset;
    final String key; // routing key for key_shared; null when not routed by key
    final String orderKey; // strict ordering unit; null when the message has no order to keep
    byte[] stored; // null while scheduled far ahead: read again when due
    final long timestamp;
    final DeliveryControl control;
    int attempt;
    State state = State.READY;
    Member member;
    long deadline;
    /** Links of the {@link DeadlineList} while in flight. */
    Tracked deadlinePrev;
    Tracked deadlineNext;
    boolean inDeadlines;
    long due;
    long seq;
    /** Strict ordering: let out of its key's block and not yet handed to a member. */
    boolean released;
    /** Why it is being dead-lettered, while it is. */
    DeadLetter.Reason deadLetterReason;
    /** Failed attempts, oldest first. */
    final List<PendingRetry.Attempt> history = new ArrayList<>(2);

    Tracked(UUID id, TopicPartition logPartition, long offset, String key, String orderKey, byte[] stored,
            long timestamp, DeliveryControl control) {
        this.id = id;
        this.logPartition = logPartition;
        this.offset = offset;
        this.key = key;
        this.orderKey = orderKey;
        this.stored = stored;
        this.timestamp = timestamp;
        this.control = control;
    }

    int priority() {
        return control.priority();
    }

    /** What a restart needs to keep this message's attempts and backoff. */
    PendingRetry pending() {
        return new PendingRetry(offset, Math.max(1, attempt), due, history);
    }
}
