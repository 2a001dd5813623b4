package dev.kmb.log;

import dev.kmb.log.spi.CorruptRecordException;
import dev.kmb.log.spi.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of a partition: the batches from {@code baseOffset} on, in a store, with their sparse index.
 *
 * <p>Thread-safety: {@link #append} runs under the partition lock (one writer); reads run concurrently and
 * only look below a limit they were handed, which the writer had finished before publishing it.
 * Crash behaviour: see {@link #recover}: a torn or corrupt tail is cut at the last valid batch.
 */
final class Segment {

    private static final Logger LOG = LoggerFactory.getLogger(Segment.class);

    /** What a recovery scan found. */
    record RecoveryResult(long truncatedBytes, String reason) {
        boolean truncated() {
            return truncatedBytes > 0 || !reason.isEmpty();
        }
    }

    private final long baseOffset;
    private final SegmentStore store;
    private final Path dir; // null in memory
    private SegmentIndex index;
    private final int indexIntervalBytes;

    private volatile long nextOffset;
    private volatile long maxTimestamp = -1;
    private volatile long firstTimestamp = -1;
    private int bytesSinceIndexEntry;
    /** True once the data and the index file are known to be on the device (set by the flusher after roll). */
    private volatile boolean onDisk;

    Segment(long baseOffset, SegmentStore store, Path dir, int indexIntervalBytes) {
        this.baseOffset = baseOffset;
        this.store = store;
        this.dir = dir;
        this.indexIntervalBytes = indexIntervalBytes;
        this.index = new SegmentIndex();
        this.nextOffset = baseOffset;
    }

    static Segment create(Path dir, long baseOffset, int indexIntervalBytes) throws IOException {
        Path file = LogFiles.logFile(dir, baseOffset);
        Files.deleteIfExists(LogFiles.indexFile(dir, baseOffset));
        return new Segment(baseOffset, FileSegmentStore.open(file), dir, indexIntervalBytes);
    }

    static Segment inMemory(long baseOffset, int capacity, int indexIntervalBytes) {
        return new Segment(baseOffset, new MemorySegmentStore(capacity), null, indexIntervalBytes);
    }

    long baseOffset() {
        return baseOffset;
    }

    long nextOffset() {
        return nextOffset;
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    long firstTimestamp() {
        return firstTimestamp;
    }

    long size() {
        return store.size();
    }

    boolean isEmpty() {
        return store.size() == 0;
    }

    boolean onDisk() {
        return onDisk;
    }

    SegmentStore store() {
        return store;
    }

    // ---------------------------------------------------------------- write (partition lock held)

    /** Appends one encoded batch (base offset already set); returns its position. */
    long append(ByteBuffer batch, long batchBase, int count, long batchFirstTs, long batchMaxTs) throws IOException {
        int size = batch.remaining();
        long position = store.append(batch);
        if (bytesSinceIndexEntry >= indexIntervalBytes || index.size() == 0) {
            index.add((int) (batchBase - baseOffset), (int) position, maxTimestamp);
            bytesSinceIndexEntry = 0;
        }
        bytesSinceIndexEntry += size;
        if (firstTimestamp < 0) {
            firstTimestamp = batchFirstTs;
        }
        if (batchMaxTs > maxTimestamp) {
            maxTimestamp = batchMaxTs;
        }
        nextOffset = batchBase + count;
        return position;
    }

    void flush() throws IOException {
        store.flush();
    }

    /** Writes the index file for the segment as it is now (roll, clean close). */
    void writeIndex() throws IOException {
        if (dir != null) {
            index.writeTo(LogFiles.indexFile(dir, baseOffset), baseOffset,
                    new SegmentIndex.Summary(nextOffset, store.size(), firstTimestamp, maxTimestamp));
        }
    }

    void markOnDisk() {
        onDisk = true;
    }

    // ---------------------------------------------------------------- open and recover

    /**
     * Uses the index file when it is intact and describes the store's current size; returns false when
     * the segment must be scanned instead.
     */
    boolean loadIndex() {
        if (dir == null) {
            return false;
        }
        return SegmentIndex.readFrom(LogFiles.indexFile(dir, baseOffset), baseOffset)
                .filter(l -> l.summary().segmentSize() == store.size())
                .map(l -> {
                    index = l.index();
                    nextOffset = l.summary().nextOffset();
                    firstTimestamp = l.summary().firstTimestamp();
                    maxTimestamp = l.summary().maxTimestamp();
                    bytesSinceIndexEntry = indexIntervalBytes; // next append starts a new entry
                    // not marked on disk here: the partition marks every segment but the last, which may
                    // still take appends and must then be flushed and indexed again on roll and close
                    return true;
                })
                .orElse(false);
    }

    /**
     * Scans every batch, rebuilds the index, and cuts the store at the first batch that is torn, corrupt or
     * out of offset sequence. Never throws for damaged content; only real I/O errors escape.
     */
    RecoveryResult recover() throws IOException {
        index = new SegmentIndex();
        bytesSinceIndexEntry = 0;
        nextOffset = baseOffset;
        maxTimestamp = -1;
        firstTimestamp = -1;
        long size = store.size();
        BatchScanner scanner = new BatchScanner(store, 0, size);
        long validEnd = 0;
        String reason = "";
        while (scanner.hasNext()) {
            BatchScanner.Step step = scanner.next();
            if (!step.valid()) {
                reason = step.check().status().name().toLowerCase() + " batch at position " + step.position()
                        + ": " + step.check().detail();
                break;
            }
            RecordBatch batch = step.batch();
            if (batch.baseOffset() != nextOffset) {
                reason = "batch at position " + step.position() + " has base offset " + batch.baseOffset()
                        + ", expected " + nextOffset;
                break;
            }
            if (bytesSinceIndexEntry >= indexIntervalBytes || index.size() == 0) {
                index.add((int) (batch.baseOffset() - baseOffset), (int) step.position(), maxTimestamp);
                bytesSinceIndexEntry = 0;
            }
            bytesSinceIndexEntry += batch.sizeInBytes();
            if (firstTimestamp < 0) {
                firstTimestamp = batch.firstTimestamp();
            }
            maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
            nextOffset = batch.nextOffset();
            validEnd = step.position() + batch.sizeInBytes();
        }
        long cut = size - validEnd;
        if (cut > 0 || !reason.isEmpty()) {
            LOG.warn("segment {} in {}: keeping {} valid bytes up to offset {}, cutting {} bytes ({})",
                    LogFiles.baseName(baseOffset), dir, validEnd, nextOffset, cut, reason.isEmpty() ? "trailing bytes" : reason);
            store.truncateTo(validEnd);
        }
        return new RecoveryResult(cut, reason);
    }

    // ---------------------------------------------------------------- read

    /**
     * Reads at most {@code maxRecords} records from {@code fromOffset}, adding them to {@code out} (which may
     * already hold records of earlier segments), looking only below {@code limit} bytes.
     *
     * @param wholeFirstBatch serve the first batch whole even when it is larger than {@code maxBytes}; only
     *                        for the first batch of a whole read, so a read crossing segments stays in budget
     * @return bytes of batches consumed (0 when nothing at or after {@code fromOffset} is below the limit, or
     *         when the next batch does not fit in {@code maxBytes} and {@code wholeFirstBatch} is false)
     */
    int read(long fromOffset, int maxRecords, int maxBytes, long limit, boolean wholeFirstBatch, List<LogEntry> out)
            throws IOException {
        return read(fromOffset, maxRecords, maxBytes, limit, Long.MAX_VALUE, null, wholeFirstBatch, out, new ReadProgress());
    }

    /** Where a read got to: the offset after the last record it served or the last batch it skipped. */
    static final class ReadProgress {
        long next = -1;
    }

    /**
     * As {@link #read(long, int, int, long, boolean, List)}, {@code read_committed}: stops at the first batch at or
     * past {@code stableOffset}, skips control batches and (when {@code txns} is given) batches of aborted
     * transactions, and records in {@code progress} the offset after what it served or skipped.
     */
    int read(long fromOffset, int maxRecords, int maxBytes, long limit, long stableOffset, PartitionTxns txns,
             boolean wholeFirstBatch, List<LogEntry> out, ReadProgress progress) throws IOException {
        BatchHead head = locate(fromOffset, limit);
        if (head == BatchHead.NONE) {
            return 0;
        }
        long position = head.position();
        // size the read by the batches that hold maxRecords, not by maxBytes: half a 1 MiB read was wasted copying
        int want = (int) Math.min(limit - position,
                Math.max(Math.min(maxBytes, head.bytesFor(fromOffset, maxRecords)), RecordBatch.HEADER_SIZE));
        ByteBuffer buf = ByteBuffer.allocate(want);
        store.readFully(buf, position);
        buf.flip();
        int consumed = 0;
        int target = out.size() + maxRecords; // out may hold records of earlier segments
        long expectedBase = -1; // the first batch's base offset was checked by locate
        // Damage after the first batch ends the read with what came before it; the next read, which starts
        // at the damaged batch, fails. So the records before damage stay readable with any maxBytes.
        while (buf.hasRemaining() && out.size() < target) {
            RecordBatch.Check check = RecordBatch.check(buf);
            if (check.status() == RecordBatch.Status.TORN) {
                long batchStart = position + consumed;
                long bytesInLog = limit - batchStart;
                if (buf.remaining() >= bytesInLog) {
                    if (consumed > 0) {
                        break;
                    }
                    throw corrupt(batchStart, check); // the visible log ends inside a batch: damage
                }
                if (consumed > 0 || !wholeFirstBatch) {
                    break; // the batch is in the log but not in this read; the caller comes back for it
                }
                int declared = buf.getInt(buf.position() + RecordBatch.LENGTH) + RecordBatch.LOG_OVERHEAD;
                if (batchStart + declared > limit) {
                    throw corrupt(batchStart, check);
                }
                buf = ByteBuffer.allocate(declared); // a first batch larger than maxBytes is served whole, as Kafka does
                store.readFully(buf, batchStart);
                buf.flip();
                continue;
            }
            if (check.status() == RecordBatch.Status.CORRUPT) {
                if (consumed > 0) {
                    break;
                }
                throw corrupt(position + consumed, check);
            }
            RecordBatch batch = RecordBatch.wrap(buf);
            if (expectedBase >= 0 && batch.baseOffset() != expectedBase) {
                break; // base offset is outside the CRC: a damaged one must not relabel records
            }
            expectedBase = batch.nextOffset();
            if (batch.baseOffset() >= stableOffset) {
                break; // an open transaction starts here: nothing from it on is readable yet
            }
            int attributes = batch.attributes();
            boolean skip = (attributes & (RecordBatch.TRANSACTIONAL_FLAG | RecordBatch.CONTROL_FLAG)) != 0
                    && ((attributes & RecordBatch.CONTROL_FLAG) != 0
                    || (txns != null && txns.isAborted(batch.producerId(), batch.baseOffset())));
            if (skip) {
                progress.next = batch.nextOffset();
            } else if (batch.nextOffset() > fromOffset) {
                int wanted = (int) (batch.nextOffset() - Math.max(fromOffset, batch.baseOffset()));
                int added = batch.decodeInto(out, fromOffset, target - out.size());
                progress.next = added < wanted ? out.get(out.size() - 1).offset() + 1 : batch.nextOffset();
            }
            consumed += check.size();
            buf.position(buf.position() + check.size());
            if (consumed >= maxBytes) {
                break;
            }
        }
        return consumed;
    }

    /** The header of a located batch: where it starts, its base offset, total size and record count. */
    private record BatchHead(long position, long base, long size, long count) {
        static final BatchHead NONE = new BatchHead(-1, -1, 0, 0);

        /**
         * Bytes likely to hold {@code maxRecords} records from {@code fromOffset}, judged by this batch and
         * assuming later batches are alike. Only an estimate: a read that falls short returns fewer records
         * ("at most"), and the caller comes back for the rest.
         */
        long bytesFor(long fromOffset, int maxRecords) {
            if (count < 1) {
                return Long.MAX_VALUE; // damaged header: let the CRC check say so
            }
            long inFirst = base + count - Math.max(fromOffset, base);
            if (inFirst >= maxRecords) {
                return size;
            }
            return size + (maxRecords - inFirst + count - 1) / count * size;
        }
    }

    private CorruptRecordException corrupt(long position, RecordBatch.Check check) {
        return new CorruptRecordException("segment " + LogFiles.baseName(baseOffset) + (dir == null ? "" : " in " + dir)
                + ": batch at position " + position + " is damaged (" + check.detail() + "); run 'kmb log verify'");
    }

    /**
     * The batch holding {@code offset}, or {@link BatchHead#NONE} when no batch below {@code limit} holds it.
     * Starts at the index's floor entry and walks batch headers.
     */
    private BatchHead locate(long offset, long limit) throws IOException {
        if (offset < baseOffset) {
            offset = baseOffset;
        }
        SegmentIndex.Floor floor = index.floor((int) Math.min(Integer.MAX_VALUE, offset - baseOffset));
        long position = floor.position();
        // base offsets are outside the CRC: check each against the offset sequence, starting from the index
        // entry's, so a damaged one fails the read instead of relabelling or skipping records
        long expectedBase = baseOffset + floor.relativeOffset();
        ByteBuffer header = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        while (position + RecordBatch.HEADER_SIZE <= limit) {
            header.clear();
            store.readFully(header, position);
            if (header.hasRemaining()) {
                return BatchHead.NONE;
            }
            long base = header.getLong(RecordBatch.BASE_OFFSET);
            int size = header.getInt(RecordBatch.LENGTH) + RecordBatch.LOG_OVERHEAD;
            if (size < RecordBatch.HEADER_SIZE || size > RecordBatch.MAX_BATCH_SIZE) {
                throw new CorruptRecordException("segment " + LogFiles.baseName(baseOffset) + ": bad batch length " + size
                        + " at position " + position + "; run 'kmb log verify'");
            }
            if (base != expectedBase) {
                throw new CorruptRecordException("segment " + LogFiles.baseName(baseOffset) + ": batch at position "
                        + position + " has base offset " + base + ", expected " + expectedBase + "; run 'kmb log verify'");
            }
            long last = base + header.getInt(RecordBatch.LAST_OFFSET_DELTA);
            if (last >= offset) {
                return new BatchHead(position, base, size, last - base + 1);
            }
            expectedBase = last + 1;
            position += size;
        }
        return BatchHead.NONE;
    }

    /**
     * Hands every valid batch from the one holding {@code offset} to the end of the segment to {@code visitor}, in
     * order (the batch is a flyweight, valid during the call); stops at the first damaged one.
     */
    void forEachBatchFrom(long offset, java.util.function.Consumer<RecordBatch> visitor) throws IOException {
        long size = store.size();
        BatchHead head = locate(offset, size);
        if (head == BatchHead.NONE) {
            return;
        }
        BatchScanner scanner = new BatchScanner(store, head.position(), size);
        while (scanner.hasNext()) {
            BatchScanner.Step step = scanner.next();
            if (!step.valid()) {
                return;
            }
            visitor.accept(step.batch());
        }
    }

    /** The first offset at or after {@code timestamp} below {@code limit}, if any. */
    OptionalLong offsetForTimestamp(long timestamp, long limit) throws IOException {
        if (maxTimestamp < timestamp) {
            return OptionalLong.empty();
        }
        SegmentIndex.Floor floor = index.floorForTimestamp(timestamp);
        BatchScanner scanner = new BatchScanner(store, floor.position(), limit);
        List<LogEntry> records = new java.util.ArrayList<>();
        long expectedBase = baseOffset + floor.relativeOffset();
        while (scanner.hasNext()) {
            BatchScanner.Step step = scanner.next();
            if (!step.valid()) {
                throw corrupt(step.position(), step.check());
            }
            if (step.batch().baseOffset() != expectedBase) {
                throw new CorruptRecordException("segment " + LogFiles.baseName(baseOffset) + ": batch at position "
                        + step.position() + " has base offset " + step.batch().baseOffset() + ", expected " + expectedBase
                        + "; run 'kmb log verify'");
            }
            expectedBase = step.batch().nextOffset();
            if (step.batch().maxTimestamp() < timestamp) {
                continue;
            }
            records.clear();
            step.batch().decodeInto(records, 0, Integer.MAX_VALUE);
            for (LogEntry e : records) {
                if (e.timestamp() >= timestamp) {
                    return OptionalLong.of(e.offset());
                }
            }
        }
        return OptionalLong.empty();
    }

    // ---------------------------------------------------------------- delete

    void close() {
        try {
            store.close();
        } catch (IOException e) {
            LOG.warn("closing segment {} in {}: {}", LogFiles.baseName(baseOffset), dir, e.toString());
        }
    }

    /** Renames the files to {@code .deleted} (crash-safe first step of deletion); memory segments just close. */
    void markDeleted() throws IOException {
        if (dir == null) {
            return;
        }
        for (Path p : List.of(LogFiles.logFile(dir, baseOffset), LogFiles.indexFile(dir, baseOffset))) {
            if (Files.exists(p)) {
                LogFiles.move(p, p.resolveSibling(p.getFileName() + LogFiles.DELETED_SUFFIX));
            }
        }
    }

    /** Removes the renamed files; called after readers had time to finish. */
    void deleteFiles() throws IOException {
        close();
        if (dir == null) {
            return;
        }
        for (Path p : List.of(LogFiles.logFile(dir, baseOffset), LogFiles.indexFile(dir, baseOffset))) {
            Files.deleteIfExists(p.resolveSibling(p.getFileName() + LogFiles.DELETED_SUFFIX));
        }
    }

    Path dir() {
        return dir;
    }
}
