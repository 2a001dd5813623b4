package dev.kmb.log.spi;

import dev.kmb.core.TopicName;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * The log SPI: topics of N partitions, each an append-only sequence of records addressed by offset.
 * Shaped after Kafka's model (key → partition by murmur2, batches with a base offset, offsets for
 * timestamps, retention) so that the embedded log and Apache Kafka implement it alike.
 *
 * <p>Implementations are thread-safe. Appends to one partition are ordered: offsets are assigned in the
 * order the appends take the partition's writer, and a reader never sees a record before the append that
 * wrote it has met its topic's {@link Durability}.
 */
public interface MessageLog extends AutoCloseable {

    /** Creates a topic. @throws TopicExistsException when it exists */
    void createTopic(TopicName topic, TopicSpec spec);

    /**
     * Changes a topic's spec: partitions may only grow, retention and compression apply from now on, and
     * durability may move between {@code durable} and {@code persistent}.
     *
     * @throws UnknownTopicException    when the topic does not exist
     * @throws IllegalArgumentException when the change is not allowed (the message says why)
     */
    void updateTopic(TopicName topic, TopicSpec spec);

    /** Deletes a topic and all its records. @return false when there was no such topic */
    boolean deleteTopic(TopicName topic);

    /** The spec of a topic, if it exists. */
    Optional<TopicSpec> describeTopic(TopicName topic);

    /** Every topic with its spec. */
    Map<TopicName, TopicSpec> topics();

    /**
     * Appends records to one partition as one batch: atomically (all or none) and in order.
     * The future completes once the batch has met its topic's durability class.
     */
    CompletableFuture<AppendResult> append(TopicPartition partition, List<LogRecord> records);

    /**
     * Reads records from {@code fromOffset}, at most {@code maxRecords} of them and about {@code maxBytes}
     * (at least one record is returned when one is available, even if larger).
     *
     * @throws UnknownTopicException   when the partition does not exist
     * @throws CorruptRecordException  when a stored batch fails its CRC: never served as valid
     */
    ReadResult read(TopicPartition partition, long fromOffset, int maxRecords, int maxBytes);

    /** The first offset whose record timestamp is at or after {@code timestampMillis}; empty if none is. */
    OptionalLong offsetForTimestamp(TopicPartition partition, long timestampMillis);

    /** The first offset still in the partition. */
    long startOffset(TopicPartition partition);

    /** The offset the next record will get; readers see records below it. */
    long endOffset(TopicPartition partition);

    /** Registers a listener told when records become visible. */
    void addAppendListener(AppendListener listener);

    /**
     * Joins consumer group {@code groupId} as a new member (Kafka: a consumer of that group). The listener is told which
     * partitions this member holds as the group's members and topics change; nothing is held until
     * {@link GroupMembership#subscribe} names topics.
     */
    GroupMembership joinGroup(String groupId, GroupListener listener);

    /** The partition a record goes to, by key (murmur2, as Kafka) or round-robin. */
    int partitionFor(TopicName topic, LogRecord record);

    /** Flushes and closes; appends after close are rejected. */
    @Override
    void close();
}
