package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * Takes a consistent point-in-time copy of a topic: captures every partition's end offset first, then reads each
 * partition up to it into a {@link SnapshotWriter}. Later appends are not in the copy, and publishers are never
 * blocked: the log is only read. Reads in bounded pages, so memory does not grow with the topic. Only messages are
 * copied (records carrying a message id); records the log keeps for itself are skipped. Thread-safe and stateless.
 */
final class SnapshotExport {

    /** Records per log read. */
    static final int READ_RECORDS = 512;
    /** Bytes per log read, about. */
    static final int READ_BYTES = 4 << 20;

    private final MessageLog log;
    private final Clock clock;

    SnapshotExport(MessageLog log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    /** Writes the snapshot of {@code topic} to {@code target}; returns its manifest. */
    SnapshotManifest write(TenantId tenant, TopicRecord topic, Path target) throws IOException {
        TopicName logTopic = LogNames.logTopic(tenant, topic.name());
        int partitions = topic.spec().partitions();
        long[] ends = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            ends[p] = log.endOffset(new TopicPartition(logTopic, p));
        }
        Instant capturedAt = clock.instant();
        try (SnapshotWriter writer = SnapshotWriter.create(target, topic.name(), topic.spec())) {
            for (int p = 0; p < partitions; p++) {
                copy(writer, new TopicPartition(logTopic, p), ends[p]);
            }
            return writer.finish(capturedAt);
        }
    }

    private void copy(SnapshotWriter writer, TopicPartition tp, long end) throws IOException {
        long offset = Math.min(log.startOffset(tp), end);
        writer.beginPartition(tp.partition(), offset, end);
        while (offset < end) {
            ReadResult r = log.read(tp, offset, READ_RECORDS, READ_BYTES);
            if (r instanceof ReadResult.OutOfRange o) {
                if (o.startOffset() <= offset || o.startOffset() >= end) {
                    return;
                }
                offset = o.startOffset(); // retention removed records not read yet: they are gone, go on after them
                continue;
            }
            ReadResult.Records records = (ReadResult.Records) r;
            if (records.entries().isEmpty()) {
                return;
            }
            for (LogEntry e : records.entries()) {
                if (e.offset() >= end) {
                    return;
                }
                if (e.header(Publisher.ID_HEADER).isPresent()) {
                    writer.append(e.offset(), e.timestamp(), Delivery.splice(e.value(), "", tp.partition(), e.offset(), 0));
                }
            }
            offset = records.nextOffset();
        }
    }
}
