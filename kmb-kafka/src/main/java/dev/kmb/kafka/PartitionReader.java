package dev.kmb.kafka;

import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogEntry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * One pooled {@link KafkaConsumer} assigned to one partition, kept where its last read ended: records it fetched
 * beyond what a read asked for stay buffered here, so a caller reading on from there costs neither a seek nor a
 * round trip. Not thread-safe: the {@link ReaderPool} lends it to one thread at a time.
 */
final class PartitionReader implements AutoCloseable {

    private static final byte[] EMPTY = new byte[0];

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> buffered = new ArrayDeque<>();
    private TopicPartition assigned;
    private long nextOffset = -1; // where the next read starts without a seek; -1 when unknown

    PartitionReader(KafkaConsumer<byte[], byte[]> consumer) {
        this.consumer = consumer;
    }

    TopicPartition assigned() {
        return assigned;
    }

    /** True when reading {@code tp} from {@code offset} needs no seek. */
    boolean isAt(TopicPartition tp, long offset) {
        return tp.equals(assigned) && nextOffset == offset;
    }

    /** Positions the reader at {@code offset} of {@code tp} unless it is there already. */
    void moveTo(TopicPartition tp, long offset) {
        if (isAt(tp, offset)) {
            return;
        }
        buffered.clear();
        if (!tp.equals(assigned)) {
            consumer.assign(List.of(tp));
            assigned = tp;
        }
        consumer.seek(tp, offset);
        nextOffset = offset;
    }

    /** Forgets the position (after a failed read, so the next one seeks). */
    void reset() {
        buffered.clear();
        nextOffset = -1;
    }

    /**
     * Reads from the current position at most {@code maxRecords} records and about {@code maxBytes} (at least one
     * record when one arrives before the deadline).
     *
     * @param end stop once the position reaches it (records below it exist, so waiting for them is bounded)
     * @return the entries, possibly none when the deadline passes first
     */
    List<LogEntry> read(int maxRecords, int maxBytes, long end, Duration timeout) {
        List<LogEntry> out = new ArrayList<>(Math.min(maxRecords, 512));
        long deadline = System.nanoTime() + timeout.toNanos();
        int bytes = 0;
        while (out.size() < maxRecords && nextOffset < end) {
            if (buffered.isEmpty()) {
                if (!out.isEmpty()) {
                    break; // serve what we have rather than wait for more
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofNanos(Math.min(left, 100_000_000L)))) {
                        buffered.add(r);
                    }
                } catch (WakeupException e) {
                    break;
                }
                if (buffered.isEmpty()) {
                    // only control records (transaction markers) may have moved the position
                    nextOffset = Math.max(nextOffset, consumer.position(assigned));
                    continue;
                }
            }
            ConsumerRecord<byte[], byte[]> r = buffered.peekFirst();
            int size = sizeOf(r);
            if (!out.isEmpty() && bytes + size > maxBytes) {
                break;
            }
            buffered.pollFirst();
            out.add(entryOf(r));
            bytes += size;
            nextOffset = r.offset() + 1;
        }
        return out;
    }

    /** Where the next read starts: after the last record returned (or skipped markers). */
    long nextOffset() {
        return nextOffset;
    }

    private static int sizeOf(ConsumerRecord<byte[], byte[]> r) {
        int size = Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize());
        for (org.apache.kafka.common.header.Header h : r.headers()) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    static LogEntry entryOf(ConsumerRecord<byte[], byte[]> r) {
        org.apache.kafka.common.header.Header[] kafkaHeaders = r.headers().toArray();
        List<Header> headers = kafkaHeaders.length == 0 ? List.of() : new ArrayList<>(kafkaHeaders.length);
        for (org.apache.kafka.common.header.Header h : kafkaHeaders) {
            headers.add(new Header(h.key(), h.value() == null ? EMPTY : h.value()));
        }
        return LogEntry.decoded(r.offset(), r.timestamp(), r.key(), r.value() == null ? EMPTY : r.value(), headers);
    }

    KafkaConsumer<byte[], byte[]> consumer() {
        return consumer;
    }

    @Override
    public void close() {
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(1)));
    }
}
