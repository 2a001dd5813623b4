package dev.kmb.log;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Offline, read-only inspection of an embedded log directory: {@code kmb log verify} (every CRC, every
 * index entry, offset sequence) and {@code kmb log dump} (records of a partition). It changes nothing, runs
 * no recovery, and takes the directory lock so it never reads a log a running bus is writing.
 * Stateless; thread-safe.
 */
public final class LogInspector {

    private LogInspector() {
    }

    /** Verifies every partition of every topic under {@code dir}. */
    public static VerifyReport verify(Path dir) {
        try (DataDirLock ignored = DataDirLock.acquire(dir)) {
            List<VerifyReport.PartitionSummary> partitions = new ArrayList<>();
            List<VerifyReport.Finding> damage = new ArrayList<>();
            List<VerifyReport.Finding> notes = new ArrayList<>();
            for (Path topicDir : children(dir, Files::isDirectory)) {
                String name = topicDir.getFileName().toString();
                if (name.indexOf(LogFiles.LEFTOVER_MARK) >= 0) {
                    notes.add(new VerifyReport.Finding(topicDir, -1, "leftover of an unfinished create or delete; removed on open"));
                    continue;
                }
                if (!TopicName.isValid(name)) {
                    continue;
                }
                try {
                    TopicMetadataFile.read(topicDir);
                } catch (IOException | RuntimeException e) {
                    damage.add(new VerifyReport.Finding(topicDir.resolve(LogFiles.TOPIC_FILE), -1, "unreadable: " + e.getMessage()));
                    continue;
                }
                for (Path partDir : children(topicDir, p -> Files.isDirectory(p) && p.getFileName().toString().matches("\\d+"))) {
                    partitions.add(verifyPartition(name, Integer.parseInt(partDir.getFileName().toString()), partDir, damage, notes));
                }
            }
            return new VerifyReport(dir, partitions, damage, notes);
        } catch (IOException e) {
            throw new LogException("cannot verify " + dir + ": " + e.getMessage(), e);
        }
    }

    private static VerifyReport.PartitionSummary verifyPartition(String topic, int partition, Path dir,
            List<VerifyReport.Finding> damage, List<VerifyReport.Finding> notes) throws IOException {
        TreeMap<Long, Path> segments = segmentFiles(dir);
        long batches = 0;
        long records = 0;
        long bytes = 0;
        long expected = segments.isEmpty() ? 0 : segments.firstKey();
        long start = expected;
        if (RecoveryCheckpoint.read(dir).isEmpty() && Files.exists(dir.resolve(LogFiles.RECOVERY_POINT))) {
            notes.add(new VerifyReport.Finding(dir.resolve(LogFiles.RECOVERY_POINT), -1, "damaged; recovery would scan from offset 0"));
        }
        for (var e : segments.entrySet()) {
            long base = e.getKey();
            Path file = e.getValue();
            if (base != expected) {
                damage.add(new VerifyReport.Finding(file, -1, "segment starts at offset " + base + " but the previous one ends at " + expected));
                expected = base;
            }
            List<Long> batchPositions = new ArrayList<>();
            List<Long> batchBases = new ArrayList<>();
            FileSegmentStore store = FileSegmentStore.openReadOnly(file);
            try {
                BatchScanner scanner = new BatchScanner(store, 0, store.size());
                while (scanner.hasNext()) {
                    BatchScanner.Step step = scanner.next();
                    if (!step.valid()) {
                        damage.add(new VerifyReport.Finding(file, step.position(),
                                step.check().status().name().toLowerCase() + " batch: " + step.check().detail()
                                        + " (" + (store.size() - step.position()) + " bytes from here on are unreadable)"));
                        break;
                    }
                    RecordBatch batch = step.batch();
                    if (batch.baseOffset() != expected) {
                        damage.add(new VerifyReport.Finding(file, step.position(),
                                "batch has base offset " + batch.baseOffset() + ", expected " + expected));
                    }
                    batchPositions.add(step.position());
                    batchBases.add(batch.baseOffset());
                    batches++;
                    records += batch.recordCount();
                    bytes += batch.sizeInBytes();
                    expected = batch.nextOffset();
                }
                verifyIndex(dir, base, store.size(), batchPositions, batchBases, damage, notes);
            } finally {
                store.close();
            }
        }
        return new VerifyReport.PartitionSummary(topic, partition, segments.size(), batches, records, bytes, start, expected);
    }

    private static void verifyIndex(Path dir, long base, long segmentSize, List<Long> positions, List<Long> bases,
            List<VerifyReport.Finding> damage, List<VerifyReport.Finding> notes) {
        Path file = LogFiles.indexFile(dir, base);
        if (!Files.exists(file)) {
            notes.add(new VerifyReport.Finding(file, -1, "missing; rebuilt by scanning on open"));
            return;
        }
        var loaded = SegmentIndex.readFrom(file, base);
        if (loaded.isEmpty()) {
            damage.add(new VerifyReport.Finding(file, -1, "bad CRC, version or base offset"));
            return;
        }
        if (loaded.get().summary().segmentSize() != segmentSize) {
            notes.add(new VerifyReport.Finding(file, -1, "describes " + loaded.get().summary().segmentSize()
                    + " bytes of a " + segmentSize + "-byte segment (stale after a crash); rebuilt by scanning on open"));
            return;
        }
        SegmentIndex index = loaded.get().index();
        for (int i = 0; i < index.size(); i++) {
            long[] entry = index.entry(i);
            int at = positions.indexOf(entry[1]);
            if (at < 0 || bases.get(at) != base + entry[0]) {
                damage.add(new VerifyReport.Finding(file, -1, "entry " + i + " points at position " + entry[1]
                        + " for offset " + (base + entry[0]) + ", which is not that batch"));
                return;
            }
        }
    }

    /**
     * Calls {@code sink} with each record of one partition from {@code fromOffset} on, at most {@code limit}.
     *
     * @return the damage that stopped the dump early, or null when it ran to the end or the limit
     */
    public static VerifyReport.Finding dump(Path dir, TopicName topic, int partition, long fromOffset, long limit,
                                            java.util.function.Consumer<LogEntry> sink) {
        Path partDir = dir.resolve(topic.value()).resolve(Integer.toString(partition));
        if (!Files.isDirectory(partDir)) {
            throw new LogException("no partition " + partition + " of topic '" + topic + "' in " + dir);
        }
        try (DataDirLock ignored = DataDirLock.acquire(dir)) {
            TreeMap<Long, Path> segments = segmentFiles(partDir);
            Long first = segments.floorKey(fromOffset);
            long emitted = 0;
            List<LogEntry> buffer = new ArrayList<>();
            for (Path file : (first == null ? segments : segments.tailMap(first, true)).values()) {
                FileSegmentStore store = FileSegmentStore.openReadOnly(file);
                try {
                    BatchScanner scanner = new BatchScanner(store, 0, store.size());
                    while (scanner.hasNext()) {
                        BatchScanner.Step step = scanner.next();
                        if (!step.valid()) {
                            return new VerifyReport.Finding(file, step.position(), step.check().detail());
                        }
                        if (step.batch().nextOffset() <= fromOffset) {
                            continue;
                        }
                        buffer.clear();
                        RecordBatch batch = step.batch();
                        batch.decodeInto(buffer, fromOffset, (int) Math.min(Integer.MAX_VALUE, limit - emitted));
                        for (LogEntry e : buffer) {
                            sink.accept(batch.isTransactional() ? annotated(batch, e) : e);
                        }
                        emitted += buffer.size();
                        if (emitted >= limit) {
                            return null;
                        }
                    }
                } finally {
                    store.close();
                }
            }
            return null;
        } catch (IOException e) {
            throw new LogException("cannot dump " + partDir + ": " + e.getMessage(), e);
        }
    }

    /** Name of the header a dump adds to a record of a transaction: its producer id. */
    public static final String DUMP_PRODUCER_ID = "kmb.dump.producer_id";
    /** Name of the header a dump adds to a control record: the marker, {@code commit} or {@code abort}. */
    public static final String DUMP_MARKER = "kmb.dump.txn_marker";

    /** A record of a transactional or control batch with headers saying so (a dump shows every record, even aborted). */
    private static LogEntry annotated(RecordBatch batch, LogEntry e) {
        List<dev.kmb.log.spi.Header> headers = new ArrayList<>(e.headers());
        headers.add(new dev.kmb.log.spi.Header(DUMP_PRODUCER_ID,
                Long.toString(batch.producerId()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        if (batch.isControl()) {
            headers.add(new dev.kmb.log.spi.Header(DUMP_MARKER,
                    batch.controlMarker().name().toLowerCase(java.util.Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return LogEntry.decoded(e.offset(), e.timestamp(), e.key().orElse(null), e.value(), headers);
    }

    private static TreeMap<Long, Path> segmentFiles(Path partDir) throws IOException {
        TreeMap<Long, Path> out = new TreeMap<>();
        for (Path f : children(partDir, Files::isRegularFile)) {
            long base = LogFiles.baseOffsetOf(f, LogFiles.LOG_SUFFIX);
            if (base >= 0) {
                out.put(base, f);
            }
        }
        return out;
    }

    private static List<Path> children(Path dir, Predicate<Path> filter) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(filter).sorted().toList();
        }
    }

}
