package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.Envelope;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Restores a snapshot into a topic: verifies the whole snapshot first (a bad one appends nothing), creates the topic
 * from the snapshot's config when it does not exist, then appends every message in batches straight to the log.
 *
 * <p>Each message keeps its id, key, type, payload, metadata (headers included) and its original timestamp, and is
 * stored as a publish stores it ({@link Publisher#record}), so replay by time, TTL and delayed delivery read the
 * restored topic as they read the source. Restore is not a publish: interceptors and dedup do not run, so a restore
 * is never dropped as a duplicate. When the partition counts match, each message keeps its partition and the
 * partitions keep their order; otherwise keyed messages go where their key hashes and keyless ones to their source
 * partition modulo the count — per-key order holds either way, as the file is read in order.
 *
 * <p>Not atomic against a failure while appending (an I/O error, a crash): what was appended stays. Thread-safe.
 */
final class SnapshotRestore {

    /** Records per append. */
    static final int BATCH_RECORDS = 1000;
    /** Bytes per append, about. */
    static final int BATCH_BYTES = 1 << 20;
    /** Bytes buffered over all partitions before every buffer is appended. */
    static final long MAX_BUFFERED_BYTES = 16L << 20;
    /** How long an append may stay back-pressured before the restore gives up with 429. */
    static final Duration BACK_PRESSURE_PATIENCE = Duration.ofSeconds(60);

    private final MessageLog log;
    private final TopicService topics;
    private final Publisher publisher;
    private final Clock clock;

    SnapshotRestore(MessageLog log, TopicService topics, Publisher publisher, Clock clock) {
        this.log = log;
        this.topics = topics;
        this.publisher = publisher;
        this.clock = clock;
    }

    RestoreResult run(TenantId tenant, UUID id, SnapshotReader reader, Optional<TopicName> into) throws IOException {
        SnapshotManifest m = reader.manifest();
        TopicName target = into.orElse(m.topic());
        if (target.isReserved()) {
            throw new ProblemException(ProblemCode.FORBIDDEN, "topics under '" + TopicName.RESERVED_PREFIX
                    + "' are written by the bus only; restore into another topic");
        }
        reader.verify();
        Optional<TopicRecord> existing = topics.find(tenant, target);
        checkRetention(m, existing.map(TopicRecord::spec).orElse(m.config()), target, existing.isPresent());
        boolean created = existing.isEmpty() && create(tenant, target, m.config());
        TopicSpec spec = topics.require(tenant, target).spec();
        Batches batches = new Batches(LogNames.logTopic(tenant, target), target, spec.partitions(),
                spec.partitions() == m.partitions().size());
        reader.scan(batches::add);
        batches.flushAll();
        return new RestoreResult(id, target, created, batches.appended, !batches.samePartitions);
    }

    private boolean create(TenantId tenant, TopicName target, TopicSpec config) {
        try {
            topics.create(tenant, target, config);
            return true;
        } catch (ProblemException e) {
            if (e.code() != ProblemCode.TOPIC_EXISTS) {
                throw e;
            }
            return false; // created meanwhile by someone else: restore appends to it
        }
    }

    /**
     * Refuses (409) a restore whose every message is already past the topic's retention age: retention would delete
     * them all at once, and the restore would look done while nothing stays.
     */
    private void checkRetention(SnapshotManifest m, TopicSpec spec, TopicName target, boolean exists) {
        long maxAge = spec.retention().maxAgeMillis();
        if (maxAge == Retention.UNLIMITED || m.maxTimestamp().isEmpty()) {
            return;
        }
        Instant newest = m.maxTimestamp().get();
        if (newest.toEpochMilli() >= clock.millis() - maxAge) {
            return;
        }
        String fix = exists ? "raise its retention (PATCH /v1/topics/" + target + ") or restore into another topic"
                : "create topic " + target + " with a longer retention first, then restore into it";
        throw new ProblemException(ProblemCode.CONFLICT, "every message of the snapshot (newest " + newest
                + ") is older than topic " + target + "'s retention max_age of " + maxAge / 1000 + " s: retention would "
                + "delete them all; " + fix);
    }

    /** Per-partition buffers of records on their way to the log. Not thread-safe: one per restore. */
    private final class Batches {
        final TopicName logTopic;
        final TopicName target;
        final int partitions;
        final boolean samePartitions;
        final List<List<LogRecord>> buffers = new ArrayList<>();
        final long[] bytes;
        long buffered;
        long appended;

        Batches(TopicName logTopic, TopicName target, int partitions, boolean samePartitions) {
            this.logTopic = logTopic;
            this.target = target;
            this.partitions = partitions;
            this.samePartitions = samePartitions;
            this.bytes = new long[partitions];
            for (int p = 0; p < partitions; p++) {
                buffers.add(new ArrayList<>());
            }
        }

        void add(SnapshotMessage m) {
            Envelope e = m.envelope();
            // the restored message is committed history of the target topic
            Envelope restored = new Envelope(e.id(), e.timestamp(), target, e.type(), e.key(), e.payload(), e.metadata(),
                    Optional.empty());
            LogRecord record = publisher.record(restored, e.timestamp().orElseThrow());
            int p = samePartitions ? m.partition()
                    : e.key().isPresent() ? log.partitionFor(logTopic, record) : m.partition() % partitions;
            buffers.get(p).add(record);
            bytes[p] += record.value().length;
            buffered += record.value().length;
            if (buffers.get(p).size() >= BATCH_RECORDS || bytes[p] >= BATCH_BYTES) {
                flush(p);
            }
            if (buffered >= MAX_BUFFERED_BYTES) {
                flushAll();
            }
        }

        void flushAll() {
            for (int p = 0; p < partitions; p++) {
                flush(p);
            }
        }

        private void flush(int p) {
            List<LogRecord> records = buffers.get(p);
            if (records.isEmpty()) {
                return;
            }
            TopicPartition tp = new TopicPartition(logTopic, p);
            AppendResult.Appended a = Publisher.appended(tp, appendPatiently(tp, records));
            appended += a.count();
            buffered -= bytes[p];
            bytes[p] = 0;
            buffers.set(p, new ArrayList<>());
        }

        /** Appends, waiting out back-pressure for a while: a restore is a bulk load, it may go at the log's pace. */
        private AppendResult appendPatiently(TopicPartition tp, List<LogRecord> records) {
            long deadline = System.nanoTime() + BACK_PRESSURE_PATIENCE.toNanos();
            long pauseMillis = 5;
            while (true) {
                AppendResult r = log.append(tp, records).join();
                if (!(r instanceof AppendResult.BackPressured) || System.nanoTime() > deadline) {
                    return r;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pauseMillis));
                pauseMillis = Math.min(pauseMillis * 2, 500);
            }
        }
    }
}
