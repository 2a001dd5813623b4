package dev.kmb.kafka;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendListener;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.GroupListener;
import dev.kmb.log.spi.GroupMembership;
import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogException;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.Partitioner;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import dev.kmb.log.spi.TxnMarker;
import dev.kmb.log.spi.UnknownTopicException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link MessageLog} on Apache Kafka (cluster mode): a KMB topic is a Kafka topic named by prefix, its
 * partitions are Kafka's, a record's key is the Kafka record key, so Kafka's default partitioner and
 * {@link #partitionFor} agree. See docs/kafka.md for the whole mapping and where Kafka differs from the embedded log.
 *
 * <p>Thread-safe. One idempotent producer (acks=all) is shared by every plain append (a transaction's appends go
 * through that transaction's own transactional producer: {@link KafkaTransactions}); appends to one partition take
 * that partition's lock while they hand their records to the producer, so a batch's records get consecutive
 * offsets unless another node's records land in between (see {@link #append}). Reads use pooled consumers
 * ({@code assign()}, no group, {@code read_committed}) kept where their last read ended. A background tail polls
 * end offsets every {@code tail_interval} so that appends made by other nodes wake the append listeners too.
 *
 * <p>Crash behaviour: everything lives in Kafka; an append whose future had not completed may or may not be in
 * the log after a crash (the idempotent producer never writes a record twice).
 */
public final class KafkaMessageLog implements MessageLog {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaMessageLog.class);
    /** Kafka's record overhead beyond key, value and headers, generous (varints, attributes, batch share). */
    private static final int RECORD_OVERHEAD = 64;
    /** How long a read waits for records before it asks Kafka whether the end it knows is still the last stable offset. */
    private static final Duration STALL_CHECK = Duration.ofMillis(250);

    private final KafkaLogConfig config;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private final int maxRequestBytes;
    private final KafkaTopicAdmin topics;
    private final SpecTopic specs;
    private final ReaderPool readers;
    private final EndOffsetTail tail;
    private final KafkaTransactions transactions;
    private final ScheduledExecutorService background;
    private final Partitioner partitioner = new Partitioner();
    private final Map<TopicPartition, ReentrantLock> appendLocks = new ConcurrentHashMap<>();
    private final AtomicInteger clientIds = new AtomicInteger();
    private volatile boolean closed;

    private KafkaMessageLog(KafkaLogConfig config, Admin admin, KafkaProducer<byte[], byte[]> producer, int maxRequestBytes,
                            SpecTopic specs, KafkaTopicAdmin topics, Map<String, Object> producerProps) {
        this.config = config;
        this.admin = admin;
        this.producer = producer;
        this.maxRequestBytes = maxRequestBytes;
        this.specs = specs;
        this.topics = topics;
        this.readers = new ReaderPool(config.maxReaders(), config.requestTimeout().toMillis(), () -> newConsumer("reader"));
        Duration tailTimeout = config.requestTimeout().compareTo(Duration.ofSeconds(2)) < 0 ? config.requestTimeout() : Duration.ofSeconds(2);
        this.transactions = new KafkaTransactions(producerProps,
                config.topicPrefix() + "kmb-txn-" + config.nodeId() + "-", admin, config.requestTimeout());
        this.tail = new EndOffsetTail(admin, topics::knownPartitionCounts, topics::kafkaName, tailTimeout);
        this.background = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "kmb-kafka-tail");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects to Kafka, creates the spec topic when missing, reads the topics there are and starts the tail.
     *
     * @throws LogException when Kafka cannot be reached within the request timeout
     */
    public static KafkaMessageLog open(KafkaLogConfig config) {
        Admin admin = Admin.create(adminProps(config));
        KafkaProducer<byte[], byte[]> producer = null;
        try {
            Map<String, Object> producerProps = producerProps(config);
            producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
            int rf = KafkaTopicAdmin.replicationFactor(admin, config.replicationFactor(), config.requestTimeout());
            SpecTopic specs = SpecTopic.open(config.specTopic(), rf, admin, producer,
                    consumer(config, "kmb-specs-" + ProcessHandle.current().pid()), config.requestTimeout());
            KafkaTopicAdmin topics = new KafkaTopicAdmin(admin, new KafkaTopicNames(config.topicPrefix()), specs, rf,
                    config.requestTimeout());
            topics.refreshAll();
            int maxRequest = Integer.parseInt(String.valueOf(producerProps.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)));
            KafkaMessageLog log = new KafkaMessageLog(config, admin, producer, maxRequest, specs, topics,
                    producerProps);
            log.start();
            LOG.info("Kafka log on {} opened: prefix '{}', replication factor {}, {} topic(s)", config.bootstrapServers(),
                    config.topicPrefix(), rf, topics.knownPartitionCounts().size());
            return log;
        } catch (RuntimeException e) {
            if (producer != null) {
                producer.close(Duration.ofSeconds(1));
            }
            admin.close(Duration.ofSeconds(1));
            throw e instanceof LogException le ? le : new LogException("cannot open the Kafka log on "
                    + config.bootstrapServers() + ": " + e.getMessage(), e);
        }
    }

    private void start() {
        tail.poll(); // seed the end offsets before anyone reads
        long tailEvery = config.tailInterval().toNanos();
        background.scheduleWithFixedDelay(this::pollTail, tailEvery, tailEvery, TimeUnit.NANOSECONDS);
        long refreshEvery = config.topicRefreshInterval().toNanos();
        background.scheduleWithFixedDelay(this::refreshTopics, refreshEvery, refreshEvery, TimeUnit.NANOSECONDS);
    }

    private void pollTail() {
        try {
            tail.poll();
        } catch (RuntimeException e) {
            LOG.warn("Kafka end-offset tail failed: {}", e.toString());
        }
    }

    private void refreshTopics() {
        try {
            topics.refreshAll();
        } catch (RuntimeException e) {
            LOG.warn("Kafka topic refresh failed: {}", e.toString());
        }
    }

    // ================================================================ clients

    private static Map<String, Object> common(KafkaLogConfig config) {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.putAll(config.clientProperties());
        return p;
    }

    private static Map<String, Object> adminProps(KafkaLogConfig config) {
        Map<String, Object> p = common(config);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "kmb-admin-" + ProcessHandle.current().pid());
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(config.requestTimeout().toMillis(), 30_000));
        return p;
    }

    private static Map<String, Object> producerProps(KafkaLogConfig config) {
        Map<String, Object> p = common(config);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "kmb-producer-" + ProcessHandle.current().pid());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, config.requestTimeout().toMillis());
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_576);
        // topics compress broker-side by their compression.type; the producer sends uncompressed unless told otherwise
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        return p;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(KafkaLogConfig config, String clientId) {
        Map<String, Object> p = common(config);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG); // assign() only: no group is ever created
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        // readers poll only when records are known to be there; a long broker-side wait would only hold up the
        // next read after a seek behind the prefetch still in flight
        p.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private KafkaConsumer<byte[], byte[]> newConsumer(String role) {
        return consumer(config, "kmb-" + role + "-" + ProcessHandle.current().pid() + "-" + clientIds.incrementAndGet());
    }

    // ================================================================ topics

    /**
     * Creates the Kafka topic with the spec's configs and stores its durability in the spec topic.
     *
     * @throws IllegalArgumentException for what Kafka cannot hold: max_messages retention, brotli, a name too
     *                                  long or colliding with another ('.' and '_' are alike to Kafka)
     */
    @Override
    public void createTopic(TopicName topic, TopicSpec spec) {
        ensureOpen();
        topics.create(topic, spec);
        for (int p = 0; p < spec.partitions(); p++) {
            tail.advance(new TopicPartition(topic, p), 0);
        }
    }

    @Override
    public void updateTopic(TopicName topic, TopicSpec spec) {
        ensureOpen();
        topics.update(topic, spec);
    }

    @Override
    public boolean deleteTopic(TopicName topic) {
        ensureOpen();
        boolean deleted = topics.delete(topic);
        tail.forget(topic);
        appendLocks.keySet().removeIf(tp -> tp.topic().equals(topic));
        return deleted;
    }

    @Override
    public Optional<TopicSpec> describeTopic(TopicName topic) {
        ensureOpen();
        return topics.describe(topic);
    }

    @Override
    public Map<TopicName, TopicSpec> topics() {
        ensureOpen();
        return topics.list();
    }

    // ================================================================ append

    /**
     * Sends the records to the partition through the shared idempotent producer and completes once Kafka has
     * acknowledged every one (acks=all). Unlike the embedded log, a batch is not atomic: on a failure some records
     * may be in the log. {@link AppendResult.Appended#baseOffset()} is the first record's offset; the others follow
     * it unless another node's records landed between two of this batch's producer batches. The future completes
     * on the producer's I/O thread: chain blocking work with an {@code *Async} method.
     */
    @Override
    public CompletableFuture<AppendResult> append(TopicPartition tp, List<LogRecord> records) {
        Optional<AppendResult> refused = refuse(tp, records);
        if (refused.isPresent()) {
            return done(refused.get());
        }
        return send(producer, tp, records, true);
    }

    /** Why an append cannot be sent, if it cannot: the log is closed, the partition unknown, the batch empty or too large. */
    private Optional<AppendResult> refuse(TopicPartition tp, List<LogRecord> records) {
        if (closed) {
            return Optional.of(new AppendResult.Rejected(tp, AppendResult.Reason.CLOSED, "the Kafka log is closed"));
        }
        OptionalInt partitions = topics.partitions(tp.topic());
        if (partitions.isEmpty()) {
            return Optional.of(new AppendResult.Rejected(tp, AppendResult.Reason.UNKNOWN_TOPIC, "topic '" + tp.topic() + "' does not exist"));
        }
        if (tp.partition() >= partitions.getAsInt()) {
            partitions = topics.refreshOne(tp.topic()); // grown by another node?
            if (partitions.isEmpty() || tp.partition() >= partitions.getAsInt()) {
                return Optional.of(new AppendResult.Rejected(tp, AppendResult.Reason.UNKNOWN_PARTITION,
                        "topic '" + tp.topic() + "' has " + partitions.orElse(0) + " partition(s)"));
            }
        }
        if (records.isEmpty()) {
            return Optional.of(new AppendResult.Rejected(tp, AppendResult.Reason.EMPTY_BATCH, "a batch needs at least one record"));
        }
        for (LogRecord r : records) {
            long size = sizeOf(r);
            if (size > maxRequestBytes) {
                return Optional.of(new AppendResult.Rejected(tp, AppendResult.Reason.BATCH_TOO_LARGE,
                        "a record of about " + size + " bytes exceeds the producer's max.request.size " + maxRequestBytes));
            }
        }
        return Optional.empty();
    }

    /**
     * Hands the records to {@code to} under the partition's lock (so they get consecutive offsets) and completes once
     * Kafka acknowledged every one. {@code visible}: readers may see them once acknowledged (not so for a transaction's).
     */
    private CompletableFuture<AppendResult> send(KafkaProducer<byte[], byte[]> to, TopicPartition tp, List<LogRecord> records,
                                                 boolean visible) {
        String kafkaTopic = topics.kafkaName(tp.topic());
        long now = config.clock().millis();
        BatchAck ack = new BatchAck(tp, records.size(), now, visible);
        ReentrantLock lock = appendLocks.computeIfAbsent(tp, k -> new ReentrantLock());
        lock.lock();
        try {
            for (int i = 0; i < records.size(); i++) {
                LogRecord r = records.get(i);
                long ts = r.timestamp() == LogRecord.APPEND_TIME ? now : r.timestamp();
                List<org.apache.kafka.common.header.Header> headers = r.headers().isEmpty() ? null : new ArrayList<>(r.headers().size());
                for (Header h : r.headers()) {
                    headers.add(new RecordHeader(h.name(), h.value()));
                }
                ProducerRecord<byte[], byte[]> pr = new ProducerRecord<>(kafkaTopic, tp.partition(), ts,
                        r.key().orElse(null), r.value(), headers);
                int index = i;
                try {
                    to.send(pr, (metadata, error) -> ack.record(index, metadata, error));
                } catch (RuntimeException e) {
                    ack.record(index, null, e);
                }
            }
        } finally {
            lock.unlock();
        }
        return ack.future;
    }

    // ================================================================ transactions

    /** True: KMB transactions map onto Kafka transactions (one transactional producer each; see {@link KafkaTransactions}). */
    @Override
    public boolean supportsTransactions() {
        return true;
    }

    /**
     * Sends the records through the transaction's own transactional producer, created and begun on the transaction's
     * first append (on a virtual thread). The offsets are the records' real ones; readers ({@code read_committed}) see
     * none of them before the commit, and the partition's end offset (Kafka's last stable offset) stays at the
     * transaction's first offset until it ends.
     */
    @Override
    public CompletableFuture<AppendResult> appendTransactional(TopicPartition tp, List<LogRecord> records, long producerId) {
        if (producerId <= 0) {
            throw new IllegalArgumentException("producer id must be positive, was " + producerId);
        }
        Optional<AppendResult> refused = refuse(tp, records);
        if (refused.isPresent()) {
            return done(refused.get());
        }
        // send() may block on metadata: on a virtual thread, like the producer's creation
        return transactions.producer(producerId, tp).thenComposeAsync(p -> send(p, tp, records, false), transactions.executor());
    }

    /**
     * Ends the transaction in Kafka: the first call for a producer id commits or aborts it (Kafka's coordinator writes
     * the markers into every partition of it) and completes once they are written; later calls for its other
     * partitions share that ending. {@link AppendResult.Appended#baseOffset()} is the partition's last stable offset
     * after the ending, minus one (Kafka does not say which offset its marker took).
     */
    @Override
    public CompletableFuture<AppendResult> writeTxnMarker(TopicPartition tp, long producerId, TxnMarker marker) {
        if (producerId <= 0) {
            throw new IllegalArgumentException("producer id must be positive, was " + producerId);
        }
        if (closed) {
            return done(new AppendResult.Rejected(tp, AppendResult.Reason.CLOSED, "the Kafka log is closed"));
        }
        return transactions.end(producerId, marker).thenApplyAsync(v -> {
            long end;
            try {
                end = lookUpEnd(tp, kafkaPartition(tp)); // wakes this node's readers at once, not a tail interval later
            } catch (UnknownTopicException e) {
                return new AppendResult.Rejected(tp, AppendResult.Reason.UNKNOWN_TOPIC, e.getMessage());
            }
            return new AppendResult.Appended(tp, Math.max(0, end - 1), 1, config.clock().millis());
        }, transactions.executor());
    }

    /**
     * Empty: Kafka tells open transactions by its own producer ids, not KMB's, so this log does not list them. A
     * restart ends KMB's unfinished transactions through {@link #recoverTransaction} instead, which reaches each by its
     * {@code transactional.id}.
     */
    @Override
    public Map<Long, Long> openTransactions(TopicPartition partition) {
        return Map.of();
    }

    /**
     * A Kafka transaction does not outlive its producer: after a restart it can only be ended. Reads its state from
     * Kafka's transaction coordinator, fences it when still open or prepared (an open one is aborted, a prepared one
     * completed) and answers the outcome; see {@link KafkaTransactions#recover}.
     */
    @Override
    public Optional<TxnMarker> recoverTransaction(long producerId, Optional<TxnMarker> decided) {
        ensureOpen();
        return Optional.of(transactions.recover(producerId, decided));
    }

    private static long sizeOf(LogRecord r) {
        long size = RECORD_OVERHEAD + r.value().length + (r.key().isPresent() ? r.key().get().length : 0);
        for (Header h : r.headers()) {
            size += h.name().length() * 3L + h.value().length + 8;
        }
        return size;
    }

    /**
     * Collects the producer's acknowledgements of one append and completes its future after the last. Runs on the
     * producer's single I/O thread, whose speed bounds the producer's: kept to a few field writes per record.
     * Kafka calls back a partition's records in order, so the last callback sees every earlier one.
     */
    private final class BatchAck {
        final CompletableFuture<AppendResult> future = new CompletableFuture<>();
        final TopicPartition tp;
        final long timestamp;
        final int count;
        final boolean visible;
        private final AtomicInteger remaining;
        private volatile long firstOffset = -1;
        private volatile long lastEnd = -1;
        private volatile Exception failure;

        BatchAck(TopicPartition tp, int count, long timestamp, boolean visible) {
            this.tp = tp;
            this.visible = visible;
            this.count = count;
            this.timestamp = timestamp;
            this.remaining = new AtomicInteger(count);
        }

        void record(int index, RecordMetadata metadata, Exception error) {
            if (error != null) {
                if (failure == null) {
                    failure = error;
                }
            } else {
                if (index == 0) {
                    firstOffset = metadata.offset();
                }
                if (metadata.offset() + 1 > lastEnd) {
                    lastEnd = metadata.offset() + 1;
                }
            }
            if (count == 1 || remaining.decrementAndGet() == 0) {
                complete();
            }
        }

        private void complete() {
            if (visible && lastEnd > 0 && !transactions.holdsOpen(tp)) {
                // (with a transaction of ours open there, the end is its first offset until it ends: the tail tells)
                tail.advance(tp, lastEnd); // what was written is visible: wake the dispatchers
            }
            Exception e = failure;
            if (e == null) {
                future.complete(new AppendResult.Appended(tp, firstOffset, count, timestamp));
            } else if (e instanceof RecordTooLargeException) {
                future.complete(new AppendResult.Rejected(tp, AppendResult.Reason.BATCH_TOO_LARGE, e.getMessage()));
            } else if (e instanceof UnknownTopicOrPartitionException) {
                future.complete(new AppendResult.Rejected(tp, AppendResult.Reason.UNKNOWN_TOPIC, e.getMessage()));
            } else {
                future.completeExceptionally(new LogException("append to " + tp + " failed: " + e, e));
            }
        }
    }

    private static CompletableFuture<AppendResult> done(AppendResult r) {
        return CompletableFuture.completedFuture(r);
    }

    // ================================================================ read

    /**
     * Reads through a pooled consumer positioned at {@code fromOffset} (one kept where the caller's last read ended
     * costs no seek). A read at the known end answers no records at once, without asking Kafka.
     */
    @Override
    public ReadResult read(TopicPartition tp, long fromOffset, int maxRecords, int maxBytes) {
        if (maxRecords < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("maxRecords and maxBytes must be positive");
        }
        ensureOpen();
        org.apache.kafka.common.TopicPartition ktp = kafkaPartition(tp);
        long end = endOffset(tp);
        if (fromOffset > end) {
            end = lookUpEnd(tp, ktp); // a stale cache, or really past the end
        }
        if (fromOffset < 0 || fromOffset > end) {
            return new ReadResult.OutOfRange(fromOffset, startOffset(tp), end);
        }
        if (fromOffset == end) {
            return new ReadResult.Records(List.of(), fromOffset, end);
        }
        PartitionReader reader = readers.borrow(ktp, fromOffset);
        boolean healthy = false;
        try {
            List<LogEntry> entries = reader.read(maxRecords, maxBytes, end, STALL_CHECK);
            if (entries.isEmpty() && reader.nextOffset() < end) {
                // nothing yet: a slow fetch, or the known end is a high watermark past the last stable offset (a
                // transaction, ours or another node's, is open on the partition): ask Kafka for the real one
                end = correctEnd(tp, ktp);
                if (reader.nextOffset() >= end) {
                    healthy = true;
                    return new ReadResult.Records(List.of(), reader.nextOffset(), end);
                }
                entries = reader.read(maxRecords, maxBytes, end, config.requestTimeout());
            }
            if (entries.isEmpty() && reader.nextOffset() < end) {
                throw new LogException("read of " + tp + " from " + fromOffset + " got nothing within "
                        + config.requestTimeout().toMillis() + " ms though the end offset is " + end);
            }
            healthy = true;
            return new ReadResult.Records(entries, reader.nextOffset(), end);
        } catch (OffsetOutOfRangeException e) {
            reader.reset();
            healthy = true;
            return new ReadResult.OutOfRange(fromOffset, startOffset(tp), lookUpEnd(tp, ktp));
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new LogException("read of " + tp + " from " + fromOffset + " failed: " + e.getMessage(), e);
        } finally {
            readers.release(reader, healthy);
        }
    }

    /** Kafka's first offset at or after the time (the ListOffsets time index lookup). */
    @Override
    public OptionalLong offsetForTimestamp(TopicPartition tp, long timestampMillis) {
        ensureOpen();
        long offset = listOffset(tp, kafkaPartition(tp), OffsetSpec.forTimestamp(timestampMillis), "time lookup");
        return offset < 0 ? OptionalLong.empty() : OptionalLong.of(offset);
    }

    /** Kafka's log start offset (a round trip: it moves with retention). */
    @Override
    public long startOffset(TopicPartition tp) {
        ensureOpen();
        return listOffset(tp, kafkaPartition(tp), OffsetSpec.earliest(), "start offset");
    }

    private long listOffset(TopicPartition tp, org.apache.kafka.common.TopicPartition ktp, OffsetSpec spec, String what) {
        ListOffsetsResult.ListOffsetsResultInfo info = KafkaCalls.await(
                admin.listOffsets(Map.of(ktp, spec), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).partitionResult(ktp),
                config.requestTimeout(), what + " of " + tp);
        return info.offset();
    }

    /**
     * The end offset this node knows (last stable offset): moved at once by its own appends, by other nodes'
     * appends within {@code tail_interval}. Asks Kafka when the partition was never seen.
     */
    @Override
    public long endOffset(TopicPartition tp) {
        ensureOpen();
        OptionalLong known = tail.end(tp);
        if (known.isPresent()) {
            return known.getAsLong();
        }
        return lookUpEnd(tp, kafkaPartition(tp));
    }

    private long correctEnd(TopicPartition tp, org.apache.kafka.common.TopicPartition ktp) {
        long end = listOffset(tp, ktp, OffsetSpec.latest(), "end offset");
        tail.correct(tp, end);
        return end;
    }

    private long lookUpEnd(TopicPartition tp, org.apache.kafka.common.TopicPartition ktp) {
        long end = listOffset(tp, ktp, OffsetSpec.latest(), "end offset");
        tail.advance(tp, end);
        return end;
    }

    private org.apache.kafka.common.TopicPartition kafkaPartition(TopicPartition tp) {
        OptionalInt partitions = topics.partitions(tp.topic());
        if (partitions.isEmpty()) {
            throw new UnknownTopicException(tp.topic());
        }
        if (tp.partition() >= partitions.getAsInt()) {
            partitions = topics.refreshOne(tp.topic());
            if (partitions.isEmpty() || tp.partition() >= partitions.getAsInt()) {
                throw new UnknownTopicException(tp);
            }
        }
        return new org.apache.kafka.common.TopicPartition(topics.kafkaName(tp.topic()), tp.partition());
    }

    // ================================================================ listeners, partitioner

    /** Told of this node's appends once acknowledged, and of other nodes' within {@code tail_interval}. */
    @Override
    public void addAppendListener(AppendListener listener) {
        tail.addListener(listener);
    }

    /** murmur2 of the key modulo the partition count, exactly as Kafka's default partitioner; round-robin without a key. */
    @Override
    public int partitionFor(TopicName topic, LogRecord record) {
        OptionalInt partitions = topics.partitions(topic);
        if (partitions.isEmpty()) {
            throw new UnknownTopicException(topic);
        }
        return partitioner.partitionFor(record, partitions.getAsInt());
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogException("the Kafka log is closed");
        }
    }

    /**
     * A member of Kafka consumer group {@code groupId} (the new consumer group protocol, KIP-848, unless
     * {@code group.protocol} is set in the client properties): partitions are assigned and revoked by Kafka's group
     * coordinator, across every node of the cluster.
     */
    @Override
    public GroupMembership joinGroup(String groupId, GroupListener listener) {
        ensureOpen();
        Map<String, Object> p = common(config);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "kmb-group-" + ProcessHandle.current().pid() + "-" + clientIds.incrementAndGet());
        p.putIfAbsent(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return new KafkaGroupMembership(groupId, consumer, listener, topics::kafkaName, topics::kmbName);
    }

    /**
     * Stops the tail, closes the transactions' producers (each aborts its open transaction), waits for pending appends
     * (up to the request timeout) and closes every client.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        background.shutdownNow();
        try {
            background.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transactions.close();
        readers.close();
        specs.close();
        producer.close(config.requestTimeout());
        admin.close(Duration.ofSeconds(5));
        LOG.info("Kafka log on {} closed", config.bootstrapServers());
    }
}
