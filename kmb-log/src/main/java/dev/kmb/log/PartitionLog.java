package dev.kmb.log;

import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.CorruptRecordException;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogException;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TxnMarker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition of the embedded log: an ordered map of segments, the last of which takes appends.
 *
 * <p>Thread-safety: appends take the partition lock (one writer at a time, offsets in lock order); reads
 * take no lock and see only the <em>visible end</em>, which moves once a batch meets its durability class
 * ({@code durable}: written to the file; {@code persistent}: fsync'd by the {@link GroupCommitter}).
 *
 * <p>Crash behaviour: a {@code durable} append survives a process crash, a {@code persistent} one a power
 * loss. On open, segments from the recovery point on are scanned and a torn or corrupt tail is cut at the
 * last valid batch; later segments are removed (their offsets would no longer follow on).
 */
final class PartitionLog {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    /** A point in the partition: the next offset, and where it falls in which segment. */
    record LogEnd(long offset, long segmentBase, long position, long totalBytes) {
    }

    private record Waiter(long endOffset, CompletableFuture<AppendResult> future, AppendResult result) {
    }

    private final TopicPartition tp;
    private final Path dir; // null for ephemeral partitions
    private final EmbeddedLogConfig config;
    private final GroupCommitter committer;
    private final LongConsumer onVisible;
    private final Consumer<Runnable> deleteLater;
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final ReentrantLock waitersLock = new ReentrantLock();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final PartitionTxns txns = new PartitionTxns();
    /** The transaction state as of the last roll, written with the next recovery point (flusher thread). */
    private volatile PartitionTxns.Snapshot rolledTxns;

    /** What a transactional append does to the partition's transaction state: a data batch or a marker. */
    record TxnAppend(long producerId, TxnMarker marker) {
        static TxnAppend data(long producerId) {
            return new TxnAppend(producerId, null);
        }
    }

    private volatile Durability durability;
    private volatile Segment active;
    private long nextOffset; // under lock
    private long bytesWritten; // under lock, since open
    private long activeCreatedAt; // under lock
    private volatile LogEnd written;
    private volatile LogEnd visible;
    private volatile boolean closed;
    private volatile Throwable failure;

    private PartitionLog(TopicPartition tp, Path dir, Durability durability, EmbeddedLogConfig config,
                         GroupCommitter committer, LongConsumer onVisible, Consumer<Runnable> deleteLater) {
        this.tp = tp;
        this.deleteLater = deleteLater;
        this.dir = dir;
        this.durability = durability;
        this.config = config;
        this.committer = committer;
        this.onVisible = onVisible;
    }

    // ================================================================ open

    /**
     * Opens a partition: loads trusted segments, scans the rest, cuts a damaged tail.
     *
     * @param cleanShutdown true when the log was closed cleanly last time (index files can be trusted)
     */
    static PartitionLog open(TopicPartition tp, Path dir, Durability durability, EmbeddedLogConfig config,
                             GroupCommitter committer, LongConsumer onVisible, Consumer<Runnable> deleteLater,
                             boolean cleanShutdown) throws IOException {
        PartitionLog p = new PartitionLog(tp, durability == Durability.EPHEMERAL ? null : dir, durability, config,
                committer, onVisible, deleteLater);
        if (p.dir == null) {
            p.segments.put(0L, Segment.inMemory(0, Math.min(config.segmentBytes(), 1 << 20), config.indexIntervalBytes()));
        } else {
            p.load(cleanShutdown);
        }
        Segment last = p.segments.lastEntry().getValue();
        p.active = last;
        p.nextOffset = last.nextOffset();
        p.activeCreatedAt = config.clock().millis();
        LogEnd end = new LogEnd(p.nextOffset, last.baseOffset(), last.size(), 0);
        p.written = end;
        p.visible = end;
        if (p.dir != null) {
            p.recoverTxns();
        }
        return p;
    }

    /**
     * Rebuilds the transaction state: the snapshot, then every batch after it. No snapshot file means no
     * transaction ever touched the partition (the first transactional append writes one), so nothing is scanned.
     */
    private void recoverTxns() throws IOException {
        java.util.Optional<PartitionTxns.Snapshot> snap = PartitionTxns.read(dir);
        long from;
        if (snap.isPresent() && snap.get().upTo() <= nextOffset) {
            txns.restore(snap.get());
            from = Math.max(snap.get().upTo(), startOffset());
        } else if (snap.isPresent() || PartitionTxns.exists(dir)) {
            LOG.warn("{}: transaction snapshot is damaged or ahead of the log; scanning the whole partition", tp);
            txns.markUsed();
            from = startOffset();
        } else {
            return;
        }
        if (from >= nextOffset) {
            txns.pruneBelow(startOffset());
            return; // a clean close wrote the state up to the end: nothing to scan
        }
        long started = System.nanoTime();
        int[] scanned = {0};
        for (Segment s : segments.tailMap(segments.floorKey(Math.max(from, segments.firstKey())), true).values()) {
            s.forEachBatchFrom(from, batch -> {
                scanned[0]++;
                if (batch.baseOffset() >= from && batch.isTransactional()) {
                    if (batch.isControl()) {
                        txns.onMarker(batch.producerId(), batch.controlMarker(), batch.baseOffset());
                    } else {
                        txns.onData(batch.producerId(), batch.baseOffset());
                    }
                }
            });
        }
        txns.pruneBelow(startOffset());
        LOG.debug("{}: transaction state recovered from offset {} ({} batches scanned in {} ms), open: {}", tp, from,
                scanned[0], (System.nanoTime() - started) / 1_000_000, txns.open());
    }

    private void load(boolean cleanShutdown) throws IOException {
        Files.createDirectories(dir);
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(LogFiles.DELETED_SUFFIX) || name.endsWith(LogFiles.TMP_SUFFIX)) {
                    Files.deleteIfExists(f); // an interrupted delete or atomic write: finish it
                } else {
                    long base = LogFiles.baseOffsetOf(f, LogFiles.LOG_SUFFIX);
                    if (base >= 0) {
                        bases.add(base);
                    }
                }
            }
        }
        bases.sort(null);
        long recoveryPoint = RecoveryCheckpoint.read(dir).orElse(0L);
        long expectedBase = bases.isEmpty() ? 0 : bases.get(0);
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            if (base != expectedBase) {
                LOG.warn("{}: segment {} does not follow on from offset {}; removing it and every later segment",
                        tp, LogFiles.baseName(base), expectedBase);
                removeSegmentsFrom(bases, i);
                break;
            }
            Segment seg = new Segment(base, FileSegmentStore.open(LogFiles.logFile(dir, base)), dir,
                    config.indexIntervalBytes());
            boolean trusted = (cleanShutdown || base < recoveryPoint) && seg.loadIndex();
            boolean cut = !trusted && seg.recover().truncated();
            segments.put(base, seg);
            expectedBase = seg.nextOffset();
            if (cut && i < bases.size() - 1) {
                // a cut tail is expected in the last segment only; anywhere else later offsets would not follow on
                LOG.warn("{}: segment {} was damaged and cut at offset {}; removing the {} later segment(s)",
                        tp, LogFiles.baseName(base), seg.nextOffset(), bases.size() - 1 - i);
                removeSegmentsFrom(bases, i + 1);
                break;
            }
        }
        if (segments.isEmpty()) {
            segments.put(expectedBase, Segment.create(dir, expectedBase, config.indexIntervalBytes()));
        }
        for (Segment s : segments.headMap(segments.lastKey()).values()) {
            s.markOnDisk();
        }
    }

    private void removeSegmentsFrom(List<Long> bases, int from) throws IOException {
        for (int j = from; j < bases.size(); j++) {
            Files.deleteIfExists(LogFiles.logFile(dir, bases.get(j)));
            Files.deleteIfExists(LogFiles.indexFile(dir, bases.get(j)));
        }
        DurableFiles.fsyncDirectory(dir);
    }

    // ================================================================ append

    /**
     * Appends one encoded batch (base offset 0). Completes when the batch meets the durability class.
     */
    CompletableFuture<AppendResult> append(ByteBuffer batch, int count, long appendTime) {
        return append(batch, count, appendTime, null);
    }

    /**
     * Appends one encoded batch; {@code txn} says which transaction it belongs to (null for a plain batch). The
     * transaction state changes under the partition lock, before the batch becomes visible.
     */
    CompletableFuture<AppendResult> append(ByteBuffer batch, int count, long appendTime, TxnAppend txn) {
        Throwable failed = failure;
        if (failed != null) {
            return CompletableFuture.failedFuture(new LogException(tp + " is fenced after an I/O failure", failed));
        }
        int size = batch.remaining();
        CompletableFuture<AppendResult> future;
        lock.lock();
        try {
            if (closed) {
                return CompletableFuture.completedFuture(
                        new AppendResult.Rejected(tp, AppendResult.Reason.CLOSED, "the log is closed"));
            }
            Durability d = durability;
            if (d == Durability.PERSISTENT && written.totalBytes() - visible.totalBytes() > config.maxUnflushedBytes()) {
                return CompletableFuture.completedFuture(new AppendResult.BackPressured(tp,
                        (written.totalBytes() - visible.totalBytes()) + " bytes are waiting for fsync"));
            }
            maybeRoll(size);
            long base = nextOffset;
            if (txn != null && !txns.used() && dir != null) {
                try { // from now on recovery must look for transactions here; before, there were none
                    PartitionTxns.write(dir, txns.snapshot(base));
                    txns.markUsed();
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(new LogException(tp + ": cannot start transaction state: " + e, e));
                }
            }
            RecordBatch.setBaseOffset(batch, base);
            RecordBatch header = RecordBatch.wrap(batch);
            Segment seg = active;
            long before = seg.size();
            try {
                seg.append(batch, base, count, header.firstTimestamp(), header.maxTimestamp());
            } catch (IOException e) {
                return failWrite(seg, before, e);
            }
            nextOffset = base + count;
            bytesWritten += size;
            if (txn != null) {
                if (txn.marker() == null) {
                    txns.onData(txn.producerId(), base);
                } else {
                    txns.onMarker(txn.producerId(), txn.marker(), base);
                }
            }
            LogEnd end = new LogEnd(nextOffset, seg.baseOffset(), seg.size(), bytesWritten);
            written = end;
            AppendResult.Appended result = new AppendResult.Appended(tp, base, count, appendTime);
            if (d != Durability.PERSISTENT) {
                publish(end);
                return CompletableFuture.completedFuture(result);
            }
            future = new CompletableFuture<>();
            waitersLock.lock();
            try {
                waiters.add(new Waiter(end.offset(), future, result));
            } finally {
                waitersLock.unlock();
            }
        } finally {
            lock.unlock();
        }
        committer.requestFlush(this);
        return future;
    }

    /** A write failed: cut back what it may have left, or fence the partition so nothing after it is acked. */
    private CompletableFuture<AppendResult> failWrite(Segment seg, long sizeBefore, IOException e) {
        try {
            seg.store().truncateTo(sizeBefore);
            LOG.error("{}: append failed and was rolled back: {}", tp, e.toString());
        } catch (IOException again) {
            failure = e;
            LOG.error("{}: append failed and could not be rolled back; partition fenced", tp, e);
        }
        return CompletableFuture.failedFuture(new LogException(tp + ": append failed: " + e.getMessage(), e));
    }

    private void maybeRoll(int incoming) {
        Segment seg = active;
        if (seg.isEmpty()) {
            return;
        }
        boolean full = seg.size() + incoming > segmentBytes();
        boolean old = config.clock().millis() - activeCreatedAt >= config.segmentMillis();
        if (full || old) {
            roll();
        }
    }

    private int segmentBytes() {
        return dir == null ? config.ephemeralSegmentBytes() : config.segmentBytes();
    }

    /** Starts a new active segment at the next offset; the old one is flushed and indexed in the background. */
    private void roll() {
        Segment old = active;
        try {
            if (durability == Durability.PERSISTENT) {
                old.flush(); // waiters of the old segment must not depend on the new segment's fsync
                publish(written);
            }
            if (txns.used()) {
                rolledTxns = txns.snapshot(nextOffset);
            }
            Segment next = dir == null
                    ? Segment.inMemory(nextOffset, Math.min(segmentBytes(), 1 << 20), config.indexIntervalBytes())
                    : Segment.create(dir, nextOffset, config.indexIntervalBytes());
            segments.put(nextOffset, next);
            active = next;
            activeCreatedAt = config.clock().millis();
            LogEnd end = new LogEnd(nextOffset, next.baseOffset(), 0, bytesWritten);
            written = end;
            if (durability != Durability.PERSISTENT) {
                publish(end);
            }
        } catch (IOException e) {
            throw new LogException(tp + ": cannot roll to a new segment: " + e.getMessage(), e);
        }
        if (dir != null) {
            committer.execute(this::checkpointRolledSegments);
        }
        enforceRetention(config.clock().millis(), currentRetention);
    }

    /** Flushes and indexes every rolled segment not yet on disk, then moves the recovery point. */
    private void checkpointRolledSegments() {
        flushLock.lock();
        try {
            long activeBase = active.baseOffset();
            for (Segment s : segments.headMap(activeBase).values()) {
                if (!s.onDisk()) {
                    s.flush();
                    s.writeIndex();
                    s.markOnDisk();
                }
            }
            if (!closed) {
                PartitionTxns.Snapshot snap = rolledTxns;
                if (snap != null && snap.upTo() <= activeBase) {
                    PartitionTxns.write(dir, snap); // describes data below the recovery point, now on the device
                }
                RecoveryCheckpoint.write(dir, activeBase);
            }
        } catch (ClosedChannelException e) {
            LOG.debug("{}: segment removed while being checkpointed", tp);
        } catch (IOException e) {
            LOG.error("{}: cannot checkpoint rolled segments; recovery will scan them", tp, e);
        } finally {
            flushLock.unlock();
        }
    }

    // ================================================================ group commit

    boolean claimFlush() {
        return flushQueued.compareAndSet(false, true);
    }

    /** Forces everything written so far and completes the waiters it covers (flusher thread). */
    void flushWritten() {
        flushLock.lock();
        try {
            flushQueued.set(false); // appends after this point queue another flush
            if (closed) {
                return;
            }
            LogEnd target = written;
            if (target.offset() <= visible.offset()) {
                return;
            }
            Segment seg = segments.get(target.segmentBase());
            if (seg != null) {
                seg.flush();
            }
            publish(target);
        } catch (IOException e) {
            failure = e;
            LOG.error("{}: fsync failed; partition fenced, pending appends fail", tp, e);
            failWaiters(new LogException(tp + ": fsync failed: " + e.getMessage(), e));
        } finally {
            flushLock.unlock();
        }
    }

    /** Moves the visible end forward (never back) and completes the waiters it covers. */
    private void publish(LogEnd end) {
        List<Waiter> done = List.of();
        waitersLock.lock();
        try {
            LogEnd v = visible;
            if (end.offset() < v.offset() || (end.offset() == v.offset() && end.segmentBase() <= v.segmentBase())) {
                return;
            }
            visible = end;
            while (!waiters.isEmpty() && waiters.peek().endOffset() <= end.offset()) {
                if (done.isEmpty()) {
                    done = new ArrayList<>();
                }
                done.add(waiters.poll());
            }
        } finally {
            waitersLock.unlock();
        }
        for (Waiter w : done) {
            w.future().complete(w.result());
        }
        onVisible.accept(Math.min(end.offset(), txns.firstOpenOffset()));
    }

    private void failWaiters(Throwable t) {
        List<Waiter> all;
        waitersLock.lock();
        try {
            all = new ArrayList<>(waiters);
            waiters.clear();
        } finally {
            waitersLock.unlock();
        }
        all.forEach(w -> w.future().completeExceptionally(t));
    }

    // ================================================================ read

    long startOffset() {
        return segments.firstKey();
    }

    /** The last stable offset: the visible end, or the first offset of the oldest open transaction. */
    long endOffset() {
        return Math.min(visible.offset(), txns.firstOpenOffset());
    }

    long highWatermark() {
        return visible.offset();
    }

    /** Open transactions: producer id → first offset. */
    Map<Long, Long> openTransactions() {
        lock.lock();
        try {
            return txns.open();
        } finally {
            lock.unlock();
        }
    }

    ReadResult read(long from, int maxRecords, int maxBytes) {
        for (int attempt = 0; ; attempt++) {
            try {
                return readOnce(from, maxRecords, maxBytes);
            } catch (ClosedChannelException e) {
                if (attempt >= 2) {
                    throw new LogException(tp + ": segments keep disappearing under the read", e);
                }
                // a segment was deleted by retention while we read it: look again
            } catch (IOException e) {
                throw new LogException(tp + ": read failed: " + e.getMessage(), e);
            }
        }
    }

    private ReadResult readOnce(long from, int maxRecords, int maxBytes) throws IOException {
        // visible, then the first open offset, then the aborted ranges: a transactional batch changes them under the
        // lock before it becomes visible (open entry first, aborted range before the open entry goes), so reading in
        // this order never serves a record of a transaction that is open or aborted as of the visible end
        LogEnd end = visible;
        long firstOpen = txns.firstOpenOffset();
        long start = startOffset();
        if (from < start || from > end.offset()) {
            return new ReadResult.OutOfRange(from, start, end.offset());
        }
        long stable = Math.min(end.offset(), firstOpen);
        PartitionTxns aborted = txns.anyAborted() ? txns : null;
        Segment.ReadProgress progress = new Segment.ReadProgress();
        List<LogEntry> out = new ArrayList<>(Math.min(maxRecords, 1024));
        long cursor = from;
        int bytes = 0;
        Map.Entry<Long, Segment> entry = segments.floorEntry(from);
        // go on past the byte budget while only skipped (aborted, control) batches came: a reader gets records or the LSO
        while (entry != null && cursor < stable && out.size() < maxRecords && (bytes < maxBytes || out.isEmpty())) {
            Segment s = entry.getValue();
            long limit = limitOf(s, end);
            if (limit <= 0) {
                break;
            }
            int before = out.size();
            int consumed;
            try {
                consumed = s.read(cursor, maxRecords - out.size(), Math.max(1, maxBytes - bytes), limit, stable, aborted,
                        before == 0, out, progress);
            } catch (CorruptRecordException e) {
                if (before == 0) {
                    throw e;
                }
                break; // serve the records before the damage; the next read, starting at it, fails
            }
            bytes += consumed;
            if (progress.next > cursor) {
                cursor = progress.next;
            } else if (consumed > 0 || before > 0) {
                break; // nothing decodable moved us on (do not spin), or the next batch is over the byte budget
            }
            if (consumed == 0 || cursor >= s.nextOffset()) {
                entry = segments.higherEntry(s.baseOffset());
            }
        }
        return new ReadResult.Records(out, cursor, stable);
    }

    /** How many bytes of a segment a reader may look at, given the visible end. */
    private static long limitOf(Segment s, LogEnd end) {
        if (s.baseOffset() < end.segmentBase()) {
            return s.size();
        }
        return s.baseOffset() == end.segmentBase() ? end.position() : 0;
    }

    OptionalLong offsetForTimestamp(long timestamp) {
        LogEnd end = visible;
        try {
            for (Segment s : segments.values()) {
                long limit = limitOf(s, end);
                if (limit <= 0) {
                    break;
                }
                OptionalLong found = s.offsetForTimestamp(timestamp, limit);
                if (found.isPresent()) {
                    return found;
                }
            }
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new LogException(tp + ": time lookup failed: " + e.getMessage(), e);
        }
    }

    // ================================================================ retention

    private volatile Retention currentRetention = Retention.FOREVER;

    void setRetention(Retention retention) {
        this.currentRetention = retention;
    }

    void setDurability(Durability d) {
        this.durability = d;
    }

    /** Runs retention now (called periodically and after every roll). */
    void enforceRetention(long now) {
        lock.lock();
        try {
            Retention r = currentRetention;
            if (r.maxAgeMillis() != Retention.UNLIMITED && !active.isEmpty()
                    && active.maxTimestamp() < now - r.maxAgeMillis()) {
                roll(); // the whole active segment is expired: roll so it can go (roll runs retention itself)
                return;
            }
            enforceRetention(now, r);
        } finally {
            lock.unlock();
        }
    }

    /** Removes the oldest segments the retention no longer needs (partition lock held). */
    private void enforceRetention(long now, Retention r) {
        long maxBytes = r.maxBytes();
        if (dir == null) {
            maxBytes = maxBytes == Retention.UNLIMITED ? config.ephemeralMaxBytes() : Math.min(maxBytes, config.ephemeralMaxBytes());
        }
        if (r.maxAgeMillis() == Retention.UNLIMITED && r.maxMessages() == Retention.UNLIMITED && maxBytes == Retention.UNLIMITED) {
            return;
        }
        long total = 0;
        for (Segment s : segments.values()) {
            total += s.size();
        }
        List<Segment> doomed = new ArrayList<>();
        for (Segment s : segments.values()) {
            if (s == active) {
                break;
            }
            long nextBase = segments.higherKey(s.baseOffset());
            boolean expired = r.maxAgeMillis() != Retention.UNLIMITED && s.maxTimestamp() < now - r.maxAgeMillis();
            boolean tooMany = r.maxMessages() != Retention.UNLIMITED && nextOffset - nextBase >= r.maxMessages();
            boolean tooBig = maxBytes != Retention.UNLIMITED && total - s.size() >= maxBytes;
            if (!(expired || tooMany || tooBig)) {
                break;
            }
            total -= s.size();
            doomed.add(s);
        }
        for (Segment s : doomed) {
            segments.remove(s.baseOffset());
            try {
                s.markDeleted();
            } catch (IOException e) {
                LOG.warn("{}: cannot rename segment {} for deletion: {}", tp, LogFiles.baseName(s.baseOffset()), e.toString());
            }
            deleteLater.accept(() -> {
                try {
                    s.deleteFiles();
                } catch (IOException e) {
                    LOG.warn("{}: cannot delete segment {}: {}", tp, LogFiles.baseName(s.baseOffset()), e.toString());
                }
            });
        }
        if (!doomed.isEmpty() && txns.anyAborted()) {
            txns.pruneBelow(startOffset());
        }
        if (!doomed.isEmpty()) {
            LOG.debug("{}: retention removed {} segment(s); start offset is now {}", tp, doomed.size(), startOffset());
        }
    }

    // ================================================================ close

    /**
     * Flushes, writes the active index and the recovery point, and closes every segment.
     *
     * @return true when everything reached the disk (the shutdown may be marked clean)
     */
    boolean close() {
        lock.lock();
        flushLock.lock();
        try {
            if (closed) {
                return true;
            }
            closed = true;
            if (dir != null && failure == null) {
                for (Segment s : segments.values()) {
                    if (!s.onDisk()) {
                        s.flush();
                        s.writeIndex();
                    }
                }
                publish(written);
                if (txns.used()) {
                    PartitionTxns.write(dir, txns.snapshot(nextOffset));
                }
                RecoveryCheckpoint.write(dir, nextOffset);
            } else {
                publish(written);
            }
            return failure == null;
        } catch (IOException e) {
            LOG.error("{}: unclean close, recovery will scan on next open: {}", tp, e.toString());
            failWaiters(new LogException(tp + ": closed during a failed flush", e));
            return false;
        } finally {
            segments.values().forEach(Segment::close);
            flushLock.unlock();
            lock.unlock();
        }
    }

    /** Closes without flushing: for a deleted topic, whose pending appends fail. */
    void abandon() {
        lock.lock();
        try {
            closed = true;
            failWaiters(new LogException(tp + ": topic deleted"));
            segments.values().forEach(Segment::close);
        } finally {
            lock.unlock();
        }
    }

    TopicPartition topicPartition() {
        return tp;
    }

    /** Segments in offset order (for tests and tools). */
    List<Segment> segments() {
        return List.copyOf(segments.values());
    }
}
