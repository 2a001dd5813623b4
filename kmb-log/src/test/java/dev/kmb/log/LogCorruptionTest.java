package dev.kmb.log;

import dev.kmb.testing.MutableClock;
import static dev.kmb.log.ExpectedLog.describe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.CorruptRecordException;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery from torn and corrupt segments, against a model of what was acknowledged. A crash image is a
 * copy of the data directory taken while the log is open (no {@code .clean-shutdown} marker, no lock
 * holder); each case damages a fresh copy of it, runs {@code kmb log verify} on it, reopens and checks
 * recovery kept exactly the valid prefix, then that appends continue at the right offset.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LogCorruptionTest {

    private static final TopicName TOPIC = TopicName.of("ledger");
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int SEGMENT_BYTES = 2048;

    @TempDir
    Path tmp;

    /** A data directory image and the model of what it holds. */
    private record Image(Path dir, ExpectedLog model, List<Long> segmentBases) {
        Path partitionDir(Path root) {
            return root.resolve(TOPIC.value()).resolve("0");
        }

        Path segmentFile(Path root, long base) {
            return LogFiles.logFile(partitionDir(root), base);
        }

        long lastBase() {
            return segmentBases.getLast();
        }

        /** Batches of the model stored in the segment starting at {@code base}, with their file positions. */
        List<long[]> batchesIn(long base) {
            long next = segmentBases.indexOf(base) + 1 < segmentBases.size()
                    ? segmentBases.get(segmentBases.indexOf(base) + 1) : Long.MAX_VALUE;
            List<long[]> out = new ArrayList<>(); // {position, baseOffset, size}
            long position = 0;
            for (ExpectedLog.Batch b : model.batches()) {
                if (b.baseOffset() >= base && b.baseOffset() < next) {
                    out.add(new long[] {position, b.baseOffset(), b.storedSize()});
                    position += b.storedSize();
                }
            }
            return out;
        }
    }

    /** Record timestamps are inside compressed blocks: a fixed clock keeps batch sizes, so a seed replays exactly. */
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);

    private EmbeddedLogConfig config(Path dir) {
        return EmbeddedLogConfig.builder(dir)
                .clock(clock)
                .segmentBytes(SEGMENT_BYTES)
                .indexIntervalBytes(256)
                .retentionCheckInterval(Duration.ofHours(1))
                .build();
    }

    /**
     * Writes batches until there are at least {@code segments} segments and the last one holds at least
     * {@code lastBatches} batches; copies the directory while the log is open ({@code crash}) or after a
     * clean close.
     */
    private Image buildImage(Random rnd, Compression compression, int segments, int lastBatches, boolean crash)
            throws IOException {
        Path source = tmp.resolve("source");
        Path image = tmp.resolve("image");
        ExpectedLog model = new ExpectedLog(compression);
        EmbeddedLog log = EmbeddedLog.open(config(source));
        try {
            log.createTopic(TOPIC, new TopicSpec(1, Durability.PERSISTENT, Retention.FOREVER, compression));
            while (true) {
                List<Segment> segs = log.segmentsOf(TP);
                Segment last = segs.getLast();
                long inLast = model.batches().stream().filter(b -> b.baseOffset() >= last.baseOffset()).count();
                if (segs.size() >= segments && inLast >= lastBatches) {
                    break;
                }
                List<LogRecord> batch = new ArrayList<>();
                int count = 1 + rnd.nextInt(3);
                for (int i = 0; i < count; i++) {
                    batch.add(TestRecords.record(rnd, rnd.nextInt(60), LogRecord.APPEND_TIME));
                }
                model.add((AppendResult.Appended) log.append(TP, batch).join(), batch);
            }
            List<Long> bases = log.segmentsOf(TP).stream().map(Segment::baseOffset).toList();
            if (crash) {
                // rolled segments are flushed and indexed in the background: image the settled state
                Path partDir = source.resolve(TOPIC.value()).resolve("0");
                Await.until("the recovery point reaches the active segment", Duration.ofSeconds(10),
                        () -> readRecoveryPoint(partDir) == bases.getLast());
                copyTree(source, image);
            }
            log.close();
            if (!crash) {
                copyTree(source, image);
            }
            assertThat(image.resolve(LogFiles.CLEAN_SHUTDOWN).toFile().exists()).isEqualTo(!crash);
            Image img = new Image(image, model, bases);
            for (long base : bases) {
                List<long[]> batches = img.batchesIn(base);
                long size = batches.isEmpty() ? 0 : batches.getLast()[0] + batches.getLast()[2];
                assertThat(Files.size(img.segmentFile(image, base))).as("segment %d size matches the model", base).isEqualTo(size);
            }
            return img;
        } finally {
            log.close();
        }
    }

    private static long readRecoveryPoint(Path partDir) {
        try {
            return RecoveryCheckpoint.read(partDir).orElse(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    /** A fresh copy of the image to damage. */
    private Path workCopy(Image image) throws IOException {
        Path work = tmp.resolve("work");
        deleteTree(work);
        copyTree(image.dir(), work);
        return work;
    }

    // ================================================================ (a) torn tail

    /** Every cut inside the last few batches of the active segment: recovery keeps exactly the whole batches before it. */
    @Test
    void truncatingTheActiveSegmentAtEveryByteKeepsExactlyTheWholeBatchesBeforeTheCut() throws IOException {
        long seed = 0xA11CE;
        Image image = buildImage(new Random(seed), Compression.NONE, 3, 5, true);
        long lastBase = image.lastBase();
        List<long[]> batches = image.batchesIn(lastBase);
        long size = batches.getLast()[0] + batches.getLast()[2];
        long from = batches.get(batches.size() - 3)[0];
        for (long cut = from; cut < size; cut++) {
            Path work = workCopy(image);
            Path file = image.segmentFile(work, lastBase);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            long keptBytes = 0;
            long keptEnd = lastBase;
            for (long[] b : batches) {
                if (b[0] + b[2] <= cut) {
                    keptBytes = b[0] + b[2];
                    keptEnd = b[1] + image.model().batchOf(b[1]).entries().size();
                }
            }
            String context = "seed " + seed + ", cut at byte " + cut + " of " + size + " in segment " + lastBase;
            assertVerifyReports(work, cut != keptBytes, context);
            assertRecoveredPrefix(work, image, keptEnd, context, file, keptBytes);
        }
    }

    // ================================================================ (b) garbage in the active segment

    @Test
    void garbageInTheActiveSegmentKeepsExactlyTheBatchesBeforeTheDamage() throws IOException {
        long seed = 0xB0B;
        Random rnd = new Random(seed);
        Image image = buildImage(rnd, Compression.GZIP, 3, 6, true);
        long lastBase = image.lastBase();
        List<long[]> batches = image.batchesIn(lastBase);
        long size = batches.getLast()[0] + batches.getLast()[2];
        for (int trial = 0; trial < 120; trial++) {
            Path work = workCopy(image);
            Path file = image.segmentFile(work, lastBase);
            long at = rnd.nextLong(size);
            boolean flip = trial % 2 == 0;
            long firstChanged = flip ? flipBit(file, at, rnd.nextInt(8)) : writeGarbage(file, at, 1 + rnd.nextInt(24), rnd);
            if (firstChanged < 0) {
                continue; // the random bytes happened to equal the old ones
            }
            long[] damaged = batches.stream().filter(b -> firstChanged >= b[0] && firstChanged < b[0] + b[2]).findFirst().orElseThrow();
            String context = "seed " + seed + ", trial " + trial + ": " + (flip ? "bit flip" : "garbage") + " at byte "
                    + firstChanged + " of segment " + lastBase + " (batch at " + damaged[0] + ", offset " + damaged[1] + ")";
            assertVerifyReports(work, true, context);
            assertRecoveredPrefix(work, image, damaged[1], context, file, damaged[0]);
        }
    }

    // ================================================================ (c) garbage in an older segment, full scan

    @Test
    void garbageInAnOlderSegmentWithoutARecoveryPointCutsThereAndDropsLaterSegments() throws IOException {
        long seed = 0xC0FFEE;
        Random rnd = new Random(seed);
        Image image = buildImage(rnd, Compression.NONE, 5, 3, true);
        List<Long> older = image.segmentBases().subList(0, image.segmentBases().size() - 1);
        for (int trial = 0; trial < 40; trial++) {
            Path work = workCopy(image);
            Files.delete(image.partitionDir(work).resolve(LogFiles.RECOVERY_POINT));
            long base = older.get(rnd.nextInt(older.size()));
            Path file = image.segmentFile(work, base);
            List<long[]> batches = image.batchesIn(base);
            long size = batches.getLast()[0] + batches.getLast()[2];
            long at = rnd.nextLong(size);
            long firstChanged = trial % 2 == 0 ? flipBit(file, at, rnd.nextInt(8)) : writeGarbage(file, at, 1 + rnd.nextInt(24), rnd);
            if (firstChanged < 0) {
                continue;
            }
            long[] damaged = batches.stream().filter(b -> firstChanged >= b[0] && firstChanged < b[0] + b[2]).findFirst().orElseThrow();
            String context = "seed " + seed + ", trial " + trial + ": damage at byte " + firstChanged + " of older segment "
                    + base + " (batch offset " + damaged[1] + ")";
            assertVerifyReports(work, true, context);
            assertRecoveredPrefix(work, image, damaged[1], context, file, damaged[0]);
            try (Stream<Path> files = Files.list(image.partitionDir(work))) {
                assertThat(files.map(f -> LogFiles.baseOffsetOf(f, LogFiles.LOG_SUFFIX)).filter(b -> b > base))
                        .as("%s: later segments are removed, none is created past the cut", context)
                        .allSatisfy(b -> assertThat(b).isEqualTo(damaged[1]));
            }
        }
    }

    // ================================================================ (d) garbage in a trusted older segment

    /**
     * After a clean shutdown the index files are trusted and nothing is scanned: damage in an older segment
     * stays on disk, and reads of the damaged batch fail loudly while the rest of the log still reads.
     */
    @Test
    void garbageInATrustedOlderSegmentFailsReadsOfThatBatchOnly() throws IOException {
        long seed = 0xD00D;
        Random rnd = new Random(seed);
        Image image = buildImage(rnd, Compression.ZSTD, 5, 3, false);
        List<Long> older = image.segmentBases().subList(0, image.segmentBases().size() - 1);
        for (int trial = 0; trial < 40; trial++) {
            Path work = workCopy(image);
            long base = older.get(rnd.nextInt(older.size()));
            Path file = image.segmentFile(work, base);
            List<long[]> batches = image.batchesIn(base);
            long[] target = batches.get(rnd.nextInt(batches.size()));
            // a third of the trials hit the batch header (offset, length, magic, CRC, counts), the rest anywhere
            long at = target[0] + (trial % 3 == 0 ? rnd.nextInt(RecordBatch.HEADER_SIZE) : rnd.nextLong(target[2]));
            long firstChanged = trial % 2 == 0 ? flipBit(file, at, rnd.nextInt(8))
                    : writeGarbage(file, at, (int) Math.min(1 + rnd.nextInt(16), target[0] + target[2] - at), rnd);
            if (firstChanged < 0) {
                continue;
            }
            String context = "seed " + seed + ", trial " + trial + ": damage at byte " + firstChanged + " of trusted segment "
                    + base + " (batch offset " + target[1] + ")";
            assertVerifyReports(work, true, context);
            assertDamagedBatchFailsReads(work, image, target, context);
        }
    }

    /** Every header byte of one batch, one bit flipped at a time: never a wrong record, never a silent skip. */
    @Test
    void aFlippedBitInAnyHeaderByteOfATrustedBatchNeverServesWrongRecords() throws IOException {
        long seed = 0xF11B;
        Random rnd = new Random(seed);
        Image image = buildImage(rnd, Compression.NONE, 4, 3, false);
        long base = image.segmentBases().get(1);
        List<long[]> batches = image.batchesIn(base);
        long[] target = batches.get(Math.min(2, batches.size() - 1));
        for (int i = 0; i < RecordBatch.HEADER_SIZE; i++) {
            Path work = workCopy(image);
            int bit = rnd.nextInt(8);
            flipBit(image.segmentFile(work, base), target[0] + i, bit);
            String context = "seed " + seed + ": bit " + bit + " of header byte " + i + " of the batch at offset " + target[1];
            assertDamagedBatchFailsReads(work, image, target, context);
        }
    }

    /**
     * Regression: a segment loaded from a trusted index after a clean start, then appended to, kept its
     * "on disk" mark, so neither the roll nor the next clean close rewrote (or fsync'd) it: its index went
     * stale, and the open after the next clean shutdown scanned it — cutting it at any damage and deleting
     * every later segment instead of failing reads of the damaged batch.
     */
    @Test
    void segmentAppendedAfterACleanRestartIsIndexedAgainOnCloseAndStaysTrusted() throws IOException {
        long seed = 0x5EC;
        Random rnd = new Random(seed);
        Path source = tmp.resolve("source");
        ExpectedLog model = new ExpectedLog(Compression.NONE);
        try (EmbeddedLog log = EmbeddedLog.open(config(source))) {
            log.createTopic(TOPIC, TopicSpec.defaults());
            appendUntil(log, model, rnd, () -> log.segmentsOf(TP).size() >= 2);
        }
        long reopenedActive;
        try (EmbeddedLog log = EmbeddedLog.open(config(source))) {
            reopenedActive = log.segmentsOf(TP).getLast().baseOffset();
            long before = model.end();
            // append into the segment that was loaded from its index, then roll past it
            appendUntil(log, model, rnd, () -> log.segmentsOf(TP).size() >= 4 && model.end() > before + 3);
        }
        Path partDir = source.resolve(TOPIC.value()).resolve("0");
        Path indexFile = LogFiles.indexFile(partDir, reopenedActive);
        assertThat(SegmentIndex.readFrom(indexFile, reopenedActive)).as("index of segment %d after clean close", reopenedActive)
                .hasValueSatisfying(l -> assertThat(l.summary().segmentSize())
                        .as("the index describes the segment as it is now").isEqualTo(fileSize(LogFiles.logFile(partDir, reopenedActive))));

        // damage the last batch of that segment; a trusted index keeps every later segment readable
        List<Long> bases;
        try (EmbeddedLog log = EmbeddedLog.open(config(source))) {
            bases = log.segmentsOf(TP).stream().map(Segment::baseOffset).toList();
        }
        Image image = new Image(source, model, bases);
        List<long[]> batches = image.batchesIn(reopenedActive);
        long[] target = batches.getLast();
        flipBit(image.segmentFile(source, reopenedActive), target[0] + target[2] - 1, 3);
        assertDamagedBatchFailsReads(workCopy(image), image, target, "seed " + seed);
    }

    // ================================================================ assertions

    /** Opens the damaged copy and checks recovery kept exactly {@code keptEnd} offsets and cut the file at {@code keptBytes}. */
    private void assertRecoveredPrefix(Path work, Image image, long keptEnd, String context, Path cutFile, long keptBytes) {
        ExpectedLog model = image.model();
        try (EmbeddedLog log = EmbeddedLog.open(config(work))) {
            assertThat(log.endOffset(TP)).as("%s: end offset after recovery", context).isEqualTo(keptEnd);
            assertThat(log.startOffset(TP)).as(context).isZero();
            assertThat(fileSize(cutFile)).as("%s: file cut back to the last valid batch", context).isEqualTo(keptBytes);
            assertThat(describe(ExpectedLog.readAll(log, TP, 0, 1000)))
                    .as("%s: the records before the damage", context)
                    .containsExactlyElementsOf(describe(model.entries().subList(0, (int) keptEnd)));
            List<LogRecord> more = List.of(LogRecord.of(ExpectedLog.utf8("after recovery " + context)));
            AppendResult r = log.append(TP, more).join();
            assertThat(r).as(context).isInstanceOfSatisfying(AppendResult.Appended.class,
                    a -> assertThat(a.baseOffset()).as("%s: appends continue at the cut", context).isEqualTo(keptEnd));
            ReadResult.Records back = (ReadResult.Records) log.read(TP, keptEnd, 10, 1 << 20);
            assertThat(back.entries()).hasSize(1);
            assertThat(back.entries().getFirst().value()).isEqualTo(more.getFirst().value());
        }
    }

    /** The damaged batch is never served; everything before it is, exactly; nothing else is ever wrong. */
    private void assertDamagedBatchFailsReads(Path work, Image image, long[] damaged, String context) {
        ExpectedLog model = image.model();
        long damagedBase = damaged[1];
        long damagedNext = damagedBase + model.batchOf(damagedBase).entries().size();
        try (EmbeddedLog log = EmbeddedLog.open(config(work))) {
            assertThat(log.endOffset(TP)).as("%s: a trusted segment is not cut", context).isEqualTo(model.end());
            assertThat(log.segmentsOf(TP).stream().map(Segment::baseOffset).toList()).as("%s: every segment stays", context)
                    .isEqualTo(image.segmentBases());
            for (long o = damagedBase; o < damagedNext; o++) {
                long offset = o;
                Throwable t = catchThrowable(() -> log.read(TP, offset, 1, 1 << 20));
                assertThat(t).as("%s: reading offset %d of the damaged batch", context, offset)
                        .isInstanceOf(CorruptRecordException.class);
            }
            long segmentBase = image.segmentBases().stream().filter(b -> b <= damagedBase).max(Comparator.naturalOrder()).orElseThrow();
            for (long o = Math.max(0, segmentBase - 3); o < damagedBase; o++) {
                ReadResult.Records r = (ReadResult.Records) log.read(TP, o, 1, 1 << 20);
                assertThat(describe(r.entries())).as("%s: reading offset %d before the damage", context, o)
                        .containsExactly(describe(model.entries().get((int) o)));
            }
            // a big read from before the damage returns the records up to it, then the next read fails
            long from = Math.max(0, segmentBase - 3);
            if (from < damagedBase) {
                ReadResult.Records r = (ReadResult.Records) log.read(TP, from, 10_000, 1 << 20);
                assertThat(describe(r.entries())).as("%s: a long read from %d stops before the damage", context, from)
                        .containsExactlyElementsOf(describe(model.entries().subList((int) from, (int) damagedBase)));
            }
            // after the damage: the right records or an error, never anything else
            for (long o = damagedNext; o < Math.min(model.end(), damagedNext + 40); o++) {
                long offset = o;
                Throwable t = catchThrowable(() -> {
                    ReadResult.Records r = (ReadResult.Records) log.read(TP, offset, 5, 1 << 20);
                    assertThat(describe(r.entries())).as("%s: reading offset %d after the damage", context, offset)
                            .containsExactlyElementsOf(describe(model.entries().subList((int) offset, (int) offset + r.entries().size())));
                    assertThat(r.entries()).isNotEmpty();
                });
                if (t != null && !(t instanceof CorruptRecordException)) {
                    throw new AssertionError(context + ": reading offset " + offset + " after the damage", t);
                }
            }
            // the partition still takes appends, at the end
            AppendResult r = log.append(TP, List.of(LogRecord.of(new byte[] {1}))).join();
            assertThat(r).isInstanceOfSatisfying(AppendResult.Appended.class, a -> assertThat(a.baseOffset()).isEqualTo(model.end()));
        }
    }

    /**
     * {@code kmb log verify} reports the damage before recovery runs (and leaves the directory as it was).
     */
    private static void assertVerifyReports(Path dir, boolean damaged, String context) {
        VerifyReport report = LogInspector.verify(dir);
        assertThat(report.clean()).as("%s: verify report %s", context, report.damage()).isEqualTo(!damaged);
    }

    // ================================================================ file surgery

    /** Flips one bit; returns the position (always changed). */
    private static long flipBit(Path file, long position, int bit) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte) (b.get(0) ^ (1 << bit)));
            b.rewind();
            ch.write(b, position);
            return position;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Overwrites up to {@code length} bytes (within the file) with random ones; returns the first changed position or -1. */
    private static long writeGarbage(Path file, long position, int length, Random rnd) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int n = (int) Math.min(length, ch.size() - position);
            ByteBuffer old = ByteBuffer.allocate(n);
            ch.read(old, position);
            byte[] garbage = TestRecords.bytes(rnd, n);
            ch.write(ByteBuffer.wrap(garbage), position);
            for (int i = 0; i < n; i++) {
                if (old.get(i) != garbage[i]) {
                    return position + i;
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void appendUntil(EmbeddedLog log, ExpectedLog model, Random rnd, java.util.function.BooleanSupplier done) {
        while (!done.getAsBoolean()) {
            List<LogRecord> batch = List.of(TestRecords.record(rnd, rnd.nextInt(80), LogRecord.APPEND_TIME),
                    TestRecords.record(rnd, rnd.nextInt(80), LogRecord.APPEND_TIME));
            model.add((AppendResult.Appended) log.append(TP, batch).join(), batch);
        }
    }

    private static long fileSize(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(LogFiles.TMP_SUFFIX)) {
                    Files.copy(p, target);
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        DurableFiles.deleteRecursively(root);
    }
}
