package dev.kmb.log.spi;

/**
 * The outcome of an append. Expected outcomes are values: a full log answers {@link BackPressured}, a bad
 * request answers {@link Rejected}; only real failures (I/O) complete the future exceptionally.
 */
public sealed interface AppendResult {

    /**
     * The batch is in the log under its topic's durability class.
     *
     * @param baseOffset offset of the first record; record {@code i} of the batch has {@code baseOffset + i}
     * @param count      number of records appended
     * @param timestamp  the append timestamp (epoch millis) given to records that asked for one
     */
    record Appended(TopicPartition partition, long baseOffset, int count, long timestamp) implements AppendResult {
        /** Offset of record {@code index} of the batch. */
        public long offsetOf(int index) {
            if (index < 0 || index >= count) {
                throw new IndexOutOfBoundsException(index);
            }
            return baseOffset + index;
        }

        /** Offset of the last record of the batch. */
        public long lastOffset() {
            return baseOffset + count - 1;
        }
    }

    /** The log cannot keep up (too many bytes waiting for fsync); nothing was appended. Retry later. */
    record BackPressured(TopicPartition partition, String reason) implements AppendResult {
    }

    /** The append was refused; nothing was appended. */
    record Rejected(TopicPartition partition, Reason reason, String detail) implements AppendResult {
    }

    /** Why an append was refused. */
    enum Reason {
        UNKNOWN_TOPIC,
        UNKNOWN_PARTITION,
        BATCH_TOO_LARGE,
        EMPTY_BATCH,
        CLOSED
    }
}
