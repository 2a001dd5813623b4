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
 * <p>Transactions, as Kafka's: records appended with {@link #appendTransactional} under a producer id stay
 * unreadable until {@link #writeTxnMarker} writes a COMMIT or ABORT control record for that producer id into
 * the partition. Readers of this interface read {@code read_committed}: {@link #read} never returns a record at
 * or past the partition's <em>last stable offset</em> (LSO: the first offset of its oldest open transaction,
 * else the high watermark), skips aborted records and control records, and {@link #endOffset} is the LSO.
 * Skipped records keep their offsets, so offsets a reader sees may have gaps.
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

    /**
     * The last stable offset: readers see records below it. It is the offset the next record will get (the high
     * watermark) unless a transaction is open on the partition; then it is that transaction's first offset.
     */
    long endOffset(TopicPartition partition);

    /** The offset the next record will get, open transactions or not (receipts and dumps; not for readers). */
    default long highWatermark(TopicPartition partition) {
        return endOffset(partition);
    }

    /** True when this log implements {@link #appendTransactional} and {@link #writeTxnMarker}. */
    default boolean supportsTransactions() {
        return false;
    }

    /**
     * Appends records to one partition as one batch of the transaction {@code producerId} (a positive id, unique per
     * transaction): readers see none of them until a COMMIT marker for that id, never after an ABORT marker. The
     * offsets in the result are the records' real offsets.
     */
    default CompletableFuture<AppendResult> appendTransactional(TopicPartition partition, List<LogRecord> records,
                                                                long producerId) {
        throw new UnsupportedOperationException("this log does not support transactions");
    }

    /**
     * Writes a control record ending the transaction {@code producerId} on one partition; it takes an offset that
     * readers skip. Completes once the marker has met the topic's durability class; writing the same marker again
     * (a roll-forward after a crash) is harmless.
     */
    default CompletableFuture<AppendResult> writeTxnMarker(TopicPartition partition, long producerId, TxnMarker marker) {
        throw new UnsupportedOperationException("this log does not support transactions");
    }

    /** The transactions open on a partition: producer id → first offset (after a restart, as recovered from the log). */
    default Map<Long, Long> openTransactions(TopicPartition partition) {
        return Map.of();
    }

    /**
     * Ends, at start-up, a transaction that an earlier run of this node left unfinished, on a log where a transaction
     * does not outlive the process that opened it (Kafka: it lives in its transactional producer), and answers how the
     * log ended it: COMMIT when the log holds it committed, ABORT otherwise. {@code decided} is the coordinator's stored
     * decision (empty while the transaction was open); the log honours it only where nothing of the transaction reached
     * it. Empty on a log whose transactions outlive a restart (the embedded log): the coordinator then resumes the
     * transaction or writes its markers again. Blocks.
     */
    default Optional<TxnMarker> recoverTransaction(long producerId, Optional<TxnMarker> decided) {
        return Optional.empty();
    }

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
