package dev.kmb.log.spi;

import dev.kmb.core.TopicName;
import java.util.Set;

/**
 * One member of a consumer group of the log (Kafka: a consumer of a consumer group). The group spreads the partitions
 * of the topics it follows over its members, each partition held by one member at a time; members on other nodes
 * sharing the log count alike. Reading is done with {@link MessageLog#read}; the membership only says what to read.
 * Thread-safe.
 */
public interface GroupMembership extends AutoCloseable {

    /** The group's id. */
    String groupId();

    /** Sets the topics the group follows from this member (replacing the earlier set); assignments follow. */
    void subscribe(Set<TopicName> topics);

    /**
     * Records the group's position on some partitions this member holds (the next offset to read), where the log keeps
     * group positions (Kafka: the group's committed offsets, asynchronously). The embedded log keeps none: the caller's
     * own state is the truth there, and on Kafka too the caller must not depend on it.
     */
    void commit(java.util.Map<TopicPartition, Long> positions);

    /** Leaves the group: every partition held is revoked first (the listener is told), then handed to others. */
    @Override
    void close();
}
