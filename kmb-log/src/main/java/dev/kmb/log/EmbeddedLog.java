package dev.kmb.log;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendListener;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.GroupListener;
import dev.kmb.log.spi.GroupMembership;
import dev.kmb.log.spi.LogException;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.Partitioner;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicExistsException;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import dev.kmb.log.spi.TxnMarker;
import dev.kmb.log.spi.UnknownTopicException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KMB's own segmented log on local disk: the embedded backend of {@link MessageLog}.
 *
 * <p>Thread-safe. Appends to a partition are serialised by that partition; topic create, update and
 * delete are serialised among themselves. One process at a time: the directory is locked while open.
 *
 * <p>Crash behaviour: topic creation and deletion are directory renames, so a crash leaves a topic either
 * whole or gone. After a crash, every partition scans from its recovery point and cuts a torn tail;
 * after a clean {@link #close()} the next open trusts the index files and scans nothing.
 */
public final class EmbeddedLog implements MessageLog {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedLog.class);

    /** A topic's spec and its partitions; the array is replaced, never changed, when partitions grow. */
    private static final class TopicLog {
        final Path dir;
        volatile TopicSpec spec;
        volatile PartitionLog[] partitions;

        TopicLog(Path dir, TopicSpec spec, PartitionLog[] partitions) {
            this.dir = dir;
            this.spec = spec;
            this.partitions = partitions;
        }
    }

    private final EmbeddedLogConfig config;
    private final Path root;
    private final DataDirLock dirLock;
    private final GroupCommitter committer;
    private final ScheduledExecutorService background;
    private final Map<TopicName, TopicLog> topics = new ConcurrentHashMap<>();
    private final ReentrantLock adminLock = new ReentrantLock();
    private final List<AppendListener> listeners = new CopyOnWriteArrayList<>();
    private final Partitioner partitioner = new Partitioner();
    private final LocalGroups groups = new LocalGroups(t -> {
        TopicLog tl = topics.get(t);
        return tl == null ? 0 : tl.partitions.length;
    });
    private volatile boolean closed;

    private EmbeddedLog(EmbeddedLogConfig config, DataDirLock dirLock) {
        this.config = config;
        this.root = config.directory();
        this.dirLock = dirLock;
        this.committer = new GroupCommitter(config.flushThreads());
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kmb-log-retention");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (creating if needed) the log in {@code config.directory()}, recovering every partition.
     *
     * @throws LogException when another process holds the directory, naming its pid
     */
    public static EmbeddedLog open(EmbeddedLogConfig config) {
        Path root = config.directory();
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new LogException("cannot create log directory " + root.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        DataDirLock lock = DataDirLock.acquire(root);
        EmbeddedLog log = new EmbeddedLog(config, lock);
        try {
            log.load();
        } catch (IOException | RuntimeException e) {
            log.committer.close();
            log.background.shutdownNow();
            lock.close();
            throw e instanceof LogException le ? le : new LogException("cannot open log in " + root + ": " + e.getMessage(), e);
        }
        long every = config.retentionCheckInterval().toMillis();
        log.background.scheduleWithFixedDelay(log::enforceRetention, every, every, TimeUnit.MILLISECONDS);
        return log;
    }

    private void load() throws IOException {
        Path marker = root.resolve(LogFiles.CLEAN_SHUTDOWN);
        boolean clean = Files.exists(marker);
        long started = System.nanoTime();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                String name = dir.getFileName().toString();
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                if (name.indexOf(LogFiles.LEFTOVER_MARK) >= 0) {
                    DurableFiles.deleteRecursively(dir); // an unfinished create or delete
                    continue;
                }
                if (!TopicName.isValid(name) || !Files.exists(dir.resolve(LogFiles.TOPIC_FILE))) {
                    LOG.warn("ignoring {}: not a topic directory", dir);
                    continue;
                }
                TopicName topic = TopicName.of(name);
                TopicSpec spec = TopicMetadataFile.read(dir);
                PartitionLog[] parts = new PartitionLog[spec.partitions()];
                for (int p = 0; p < parts.length; p++) {
                    parts[p] = openPartition(new TopicPartition(topic, p), dir, spec, clean);
                }
                topics.put(topic, new TopicLog(dir, spec, parts));
            }
        }
        Files.deleteIfExists(marker);
        DurableFiles.fsyncDirectory(root);
        LOG.info("log in {} opened ({} shutdown) with {} topic(s) in {} ms", root, clean ? "clean" : "unclean",
                topics.size(), (System.nanoTime() - started) / 1_000_000);
    }

    private PartitionLog openPartition(TopicPartition tp, Path topicDir, TopicSpec spec, boolean clean) throws IOException {
        PartitionLog p = PartitionLog.open(tp, topicDir.resolve(Integer.toString(tp.partition())), spec.durability(),
                config, committer, end -> notifyListeners(tp, end), this::deleteLater, clean);
        p.setRetention(spec.retention());
        return p;
    }

    private void notifyListeners(TopicPartition tp, long end) {
        for (AppendListener l : listeners) {
            try {
                l.onAppend(tp, end);
            } catch (RuntimeException e) {
                LOG.warn("append listener failed for {}", tp, e);
            }
        }
    }

    private void deleteLater(Runnable task) {
        if (closed) {
            task.run();
            return;
        }
        try {
            background.schedule(task, config.fileDeleteDelay().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            task.run();
        }
    }

    private void enforceRetention() {
        long now = config.clock().millis();
        for (TopicLog t : topics.values()) {
            for (PartitionLog p : t.partitions) {
                try {
                    p.enforceRetention(now);
                } catch (RuntimeException e) {
                    LOG.warn("retention of {} failed", p.topicPartition(), e);
                }
            }
        }
    }

    /** Runs retention on every partition now (the background task does this periodically). */
    public void runRetention() {
        enforceRetention();
    }

    // ================================================================ topics

    @Override
    public void createTopic(TopicName topic, TopicSpec spec) {
        adminLock.lock();
        try {
            ensureOpen();
            if (topics.containsKey(topic)) {
                throw new TopicExistsException(topic);
            }
            Path dir = root.resolve(topic.value());
            Path staging = root.resolve(topic.value() + LogFiles.LEFTOVER_MARK + "creating");
            DurableFiles.deleteRecursively(staging);
            Files.createDirectories(staging);
            TopicMetadataFile.write(staging, topic.value(), spec);
            LogFiles.move(staging, dir);
            DurableFiles.fsyncDirectory(root);
            PartitionLog[] parts = new PartitionLog[spec.partitions()];
            for (int p = 0; p < parts.length; p++) {
                parts[p] = openPartition(new TopicPartition(topic, p), dir, spec, true);
            }
            topics.put(topic, new TopicLog(dir, spec, parts));
            groups.topicChanged();
        } catch (IOException e) {
            throw new LogException("cannot create topic " + topic + ": " + e.getMessage(), e);
        } finally {
            adminLock.unlock();
        }
    }

    @Override
    public void updateTopic(TopicName topic, TopicSpec spec) {
        adminLock.lock();
        try {
            ensureOpen();
            TopicLog t = topics.get(topic);
            if (t == null) {
                throw new UnknownTopicException(topic);
            }
            TopicSpec old = t.spec;
            if (spec.partitions() < old.partitions()) {
                throw new IllegalArgumentException("partitions can only grow: topic " + topic + " has "
                        + old.partitions() + ", asked for " + spec.partitions());
            }
            if ((old.durability() == Durability.EPHEMERAL) != (spec.durability() == Durability.EPHEMERAL)) {
                throw new IllegalArgumentException("durability cannot change between ephemeral (memory) and "
                        + old.durability().wireName() + "/" + spec.durability().wireName() + " (disk); create a new topic");
            }
            TopicMetadataFile.write(t.dir, topic.value(), spec);
            PartitionLog[] parts = java.util.Arrays.copyOf(t.partitions, spec.partitions());
            for (int p = old.partitions(); p < parts.length; p++) {
                parts[p] = openPartition(new TopicPartition(topic, p), t.dir, spec, true);
            }
            for (PartitionLog p : parts) {
                p.setDurability(spec.durability());
                p.setRetention(spec.retention());
            }
            t.partitions = parts;
            t.spec = spec;
            groups.topicChanged();
        } catch (IOException e) {
            throw new LogException("cannot update topic " + topic + ": " + e.getMessage(), e);
        } finally {
            adminLock.unlock();
        }
    }

    @Override
    public boolean deleteTopic(TopicName topic) {
        adminLock.lock();
        try {
            ensureOpen();
            TopicLog t = topics.remove(topic);
            if (t == null) {
                return false;
            }
            groups.topicChanged();
            for (PartitionLog p : t.partitions) {
                p.abandon();
            }
            Path doomed = root.resolve(topic.value() + LogFiles.LEFTOVER_MARK + System.nanoTime() + LogFiles.DELETED_SUFFIX);
            LogFiles.move(t.dir, doomed);
            DurableFiles.fsyncDirectory(root);
            DurableFiles.deleteRecursively(doomed);
            return true;
        } catch (IOException e) {
            throw new LogException("cannot delete topic " + topic + ": " + e.getMessage(), e);
        } finally {
            adminLock.unlock();
        }
    }

    @Override
    public Optional<TopicSpec> describeTopic(TopicName topic) {
        TopicLog t = topics.get(topic);
        return t == null ? Optional.empty() : Optional.of(t.spec);
    }

    @Override
    public Map<TopicName, TopicSpec> topics() {
        Map<TopicName, TopicSpec> out = new TreeMap<>();
        topics.forEach((k, v) -> out.put(k, v.spec));
        return out;
    }

    // ================================================================ data

    @Override
    public CompletableFuture<AppendResult> append(TopicPartition tp, List<LogRecord> records) {
        return append(tp, records, null);
    }

    @Override
    public CompletableFuture<AppendResult> appendTransactional(TopicPartition tp, List<LogRecord> records, long producerId) {
        if (producerId <= 0) {
            throw new IllegalArgumentException("producer id must be positive, was " + producerId);
        }
        return append(tp, records, PartitionLog.TxnAppend.data(producerId));
    }

    @Override
    public CompletableFuture<AppendResult> writeTxnMarker(TopicPartition tp, long producerId, TxnMarker marker) {
        if (producerId <= 0) {
            throw new IllegalArgumentException("producer id must be positive, was " + producerId);
        }
        PartitionLog p;
        try {
            p = partition(tp);
        } catch (UnknownTopicException e) {
            return done(new AppendResult.Rejected(tp, AppendResult.Reason.UNKNOWN_TOPIC, e.getMessage()));
        }
        long now = config.clock().millis();
        return p.append(RecordBatch.encodeControl(producerId, marker, now), 1, now,
                new PartitionLog.TxnAppend(producerId, marker));
    }

    private CompletableFuture<AppendResult> append(TopicPartition tp, List<LogRecord> records, PartitionLog.TxnAppend txn) {
        TopicLog t = topics.get(tp.topic());
        if (t == null) {
            return done(new AppendResult.Rejected(tp, AppendResult.Reason.UNKNOWN_TOPIC, "topic '" + tp.topic() + "' does not exist"));
        }
        PartitionLog[] parts = t.partitions;
        if (tp.partition() >= parts.length) {
            return done(new AppendResult.Rejected(tp, AppendResult.Reason.UNKNOWN_PARTITION,
                    "topic '" + tp.topic() + "' has " + parts.length + " partition(s)"));
        }
        if (records.isEmpty()) {
            return done(new AppendResult.Rejected(tp, AppendResult.Reason.EMPTY_BATCH, "a batch needs at least one record"));
        }
        long now = config.clock().millis();
        ByteBuffer batch;
        try {
            batch = txn == null ? RecordBatch.encode(records, now, t.spec.compression(), -1, 0)
                    : RecordBatch.encode(records, now, t.spec.compression(), txn.producerId(), RecordBatch.TRANSACTIONAL_FLAG);
        } catch (IllegalArgumentException e) {
            return done(new AppendResult.Rejected(tp, AppendResult.Reason.BATCH_TOO_LARGE, e.getMessage()));
        }
        if (batch.remaining() > config.maxBatchBytes()) {
            return done(new AppendResult.Rejected(tp, AppendResult.Reason.BATCH_TOO_LARGE,
                    "batch of " + batch.remaining() + " bytes exceeds max_batch_bytes " + config.maxBatchBytes()));
        }
        return parts[tp.partition()].append(batch, records.size(), now, txn);
    }

    private static CompletableFuture<AppendResult> done(AppendResult r) {
        return CompletableFuture.completedFuture(r);
    }

    @Override
    public ReadResult read(TopicPartition tp, long fromOffset, int maxRecords, int maxBytes) {
        if (maxRecords < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("maxRecords and maxBytes must be positive");
        }
        return partition(tp).read(fromOffset, maxRecords, maxBytes);
    }

    @Override
    public OptionalLong offsetForTimestamp(TopicPartition tp, long timestampMillis) {
        return partition(tp).offsetForTimestamp(timestampMillis);
    }

    @Override
    public long startOffset(TopicPartition tp) {
        return partition(tp).startOffset();
    }

    @Override
    public long endOffset(TopicPartition tp) {
        return partition(tp).endOffset();
    }

    @Override
    public long highWatermark(TopicPartition tp) {
        return partition(tp).highWatermark();
    }

    @Override
    public Map<Long, Long> openTransactions(TopicPartition tp) {
        return partition(tp).openTransactions();
    }

    @Override
    public void addAppendListener(AppendListener listener) {
        listeners.add(listener);
    }

    @Override
    public boolean supportsTransactions() {
        return true;
    }

    /** Groups of this process only: the embedded log has one process (its directory is locked). */
    @Override
    public GroupMembership joinGroup(String groupId, GroupListener listener) {
        ensureOpen();
        return groups.join(groupId, listener);
    }

    @Override
    public int partitionFor(TopicName topic, LogRecord record) {
        TopicLog t = topics.get(topic);
        if (t == null) {
            throw new UnknownTopicException(topic);
        }
        return partitioner.partitionFor(record, t.partitions.length);
    }

    private PartitionLog partition(TopicPartition tp) {
        TopicLog t = topics.get(tp.topic());
        if (t == null) {
            throw new UnknownTopicException(tp.topic());
        }
        PartitionLog[] parts = t.partitions;
        if (tp.partition() >= parts.length) {
            throw new UnknownTopicException(tp);
        }
        return parts[tp.partition()];
    }

    /** Segments of a partition, for tests and tools in this package. */
    List<Segment> segmentsOf(TopicPartition tp) {
        return partition(tp).segments();
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogException("the log is closed");
        }
    }

    // ================================================================ close

    /** Flushes every partition, writes indexes and recovery points, marks the shutdown clean, unlocks. */
    @Override
    public void close() {
        adminLock.lock();
        try {
            if (closed) {
                return; // a second close must not release the lock again (it would throw)
            }
            closed = true;
            groups.close();
            closeOnce();
        } finally {
            adminLock.unlock();
        }
    }

    private void closeOnce() {
        try {
            background.shutdownNow();
            boolean clean = true;
            for (TopicLog t : topics.values()) {
                for (PartitionLog p : t.partitions) {
                    clean &= p.close();
                }
            }
            committer.close();
            if (!clean) {
                LOG.warn("log in {} closed with failures; the next open will scan from recovery points", root);
                return;
            }
            try {
                LogFiles.writeAtomically(root.resolve(LogFiles.CLEAN_SHUTDOWN), new byte[0]);
            } catch (IOException e) {
                LOG.warn("cannot mark clean shutdown in {}; the next open will scan: {}", root, e.toString());
            }
        } finally {
            dirLock.close();
        }
    }
}
