package dev.kmb.broker;

import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one partition of a dead-letter topic forward, leaving out what a redrive moved or holds (the state store's
 * marks) and what a filter refuses. Stateless and thread-safe.
 */
final class DeadLetterScanner {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterScanner.class);

    /** Records read from the log at a time (and the offset range of one look-up of marks). */
    static final int CHUNK_RECORDS = 500;
    private static final int CHUNK_BYTES = 4 << 20;

    private final MessageLog log;
    private final StateStore store;

    DeadLetterScanner(MessageLog log, StateStore store) {
        this.log = log;
        this.store = store;
    }

    /**
     * What a scan of one partition found.
     *
     * @param partition the partition
     * @param matches   the dead letters that passed, in offset order
     * @param next      where a later scan goes on: after the last match when {@code matches} is full, else after the
     *                  last record looked at
     * @param atEnd     true when the scan reached the partition's end
     */
    record PartitionScan(int partition, List<StoredDeadLetter> matches, long next, boolean atEnd) {
    }

    /** Where a scan starts, what it keeps, and when it stops. */
    record Bounds(long from, Predicate<StoredDeadLetter> filter, int maxMatches, long maxScanned, long claimedSinceMillis) {
    }

    /** The first offset still in a partition of the dead-letter topic. */
    long startOffset(TenantId tenant, TopicName topic, int partition) {
        return log.startOffset(new TopicPartition(LogNames.logTopic(tenant, topic), partition));
    }

    /** The first offset at or after a time, or the partition's end when nothing is that recent. */
    long offsetAt(TenantId tenant, TopicName topic, int partition, long epochMillis) {
        TopicPartition tp = new TopicPartition(LogNames.logTopic(tenant, topic), partition);
        return log.offsetForTimestamp(tp, epochMillis).orElse(log.endOffset(tp));
    }

    PartitionScan scan(TenantId tenant, TopicName topic, int partition, Bounds b) {
        TopicPartition tp = new TopicPartition(LogNames.logTopic(tenant, topic), partition);
        List<StoredDeadLetter> matches = new ArrayList<>();
        long offset = Math.max(b.from(), log.startOffset(tp));
        long scanned = 0;
        while (scanned < b.maxScanned()) {
            ReadResult r = log.read(tp, offset, CHUNK_RECORDS, CHUNK_BYTES);
            if (r instanceof ReadResult.OutOfRange o) {
                if (o.requestedOffset() < o.startOffset()) {
                    offset = o.startOffset(); // retention deleted the front meanwhile
                    continue;
                }
                return new PartitionScan(partition, matches, offset, true);
            }
            ReadResult.Records rec = (ReadResult.Records) r;
            if (rec.entries().isEmpty()) {
                return new PartitionScan(partition, matches, offset, true);
            }
            Set<Long> hidden = store.hiddenDeadLetters(tenant, topic, partition, offset, rec.nextOffset(),
                    b.claimedSinceMillis());
            for (LogEntry e : rec.entries()) {
                scanned++;
                offset = e.offset() + 1;
                if (keep(topic, partition, e, hidden, b.filter(), matches) && matches.size() == b.maxMatches()) {
                    return new PartitionScan(partition, matches, offset, offset >= log.endOffset(tp));
                }
                if (scanned == b.maxScanned()) {
                    return new PartitionScan(partition, matches, offset, offset >= log.endOffset(tp));
                }
            }
            offset = Math.max(offset, rec.nextOffset());
        }
        return new PartitionScan(partition, matches, offset, offset >= log.endOffset(tp));
    }

    /** Adds the entry to {@code matches} when it is a visible dead letter the filter takes; true when it did. */
    private static boolean keep(TopicName topic, int partition, LogEntry e, Set<Long> hidden,
                                Predicate<StoredDeadLetter> filter, List<StoredDeadLetter> matches) {
        if (hidden.contains(e.offset())) {
            return false;
        }
        Optional<StoredDeadLetter> d = DeadLetterFormat.read(topic, partition, e);
        if (d.isEmpty()) {
            LOG.debug("{}[{}]@{} is not a dead letter; skipped", topic, partition, e.offset());
            return false;
        }
        if (!filter.test(d.get())) {
            return false;
        }
        matches.add(d.get());
        return true;
    }
}
