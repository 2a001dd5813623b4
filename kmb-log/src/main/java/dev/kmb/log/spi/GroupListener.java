package dev.kmb.log.spi;

import java.util.Collection;

/**
 * Told which partitions a {@link GroupMembership} holds. Calls come one at a time, in order, on a thread of the log's;
 * a call may block (e.g. to write state before a partition moves on): the group waits for it.
 */
public interface GroupListener {

    /** These partitions are now this member's: it may read them from the group's committed position. */
    void assigned(Collection<TopicPartition> partitions);

    /** These partitions are no longer this member's: stop reading them and write down how far it got before returning. */
    void revoked(Collection<TopicPartition> partitions);
}
