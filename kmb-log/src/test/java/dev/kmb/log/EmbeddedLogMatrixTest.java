package dev.kmb.log;

import dev.kmb.testing.MutableClock;
import static dev.kmb.log.ExpectedLog.describe;
import static dev.kmb.log.ExpectedLog.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicExistsException;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import dev.kmb.log.spi.UnknownTopicException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The embedded log over a matrix of settings: segment size × index interval × durability × compression.
 * The matrix is a pairwise covering array (every value of every axis meets every value of every other axis
 * at least once) of 12 rows instead of the 72-row cross product; each test checks its scenario against a
 * reference model ({@link ExpectedLog}) after every step.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedLogMatrixTest {

    private static final int KIB = 1024;
    private static final int[] SEGMENT_BYTES = {KIB, 64 * KIB, EmbeddedLogConfig.DEFAULT_SEGMENT_BYTES};
    private static final int[] INDEX_INTERVALS = {1, 4096};
    private static final long T0 = 1_700_000_000_000L;

    /** One row of the matrix. */
    record Settings(int segmentBytes, int indexIntervalBytes, Durability durability, Compression compression) {
        @Override
        public String toString() {
            String seg = segmentBytes == EmbeddedLogConfig.DEFAULT_SEGMENT_BYTES ? "default" : segmentBytes / KIB + "KiB";
            return "segment=" + seg + " index=" + indexIntervalBytes + " " + durability.wireName() + " " + compression.wireName();
        }

        /** A seed stable across runs (a record's hashCode mixes in enum identity hashes, which are not). */
        long seed() {
            return toString().hashCode();
        }

        boolean onDisk() {
            return durability != Durability.EPHEMERAL;
        }
    }

    /**
     * Pairwise rows: compression × durability in full (12), segment size = (c + d) % 3 and index interval =
     * (c + d) % 2, which covers every segment×durability, segment×compression, index×durability,
     * index×compression and segment×index pair.
     */
    static Stream<Settings> matrix() {
        List<Settings> rows = new ArrayList<>();
        Compression[] codecs = Compression.values();
        Durability[] durabilities = Durability.values();
        for (int c = 0; c < codecs.length; c++) {
            for (int d = 0; d < durabilities.length; d++) {
                rows.add(new Settings(SEGMENT_BYTES[(c + d) % 3], INDEX_INTERVALS[(c + d) % 2], durabilities[d], codecs[c]));
            }
        }
        return rows.stream();
    }

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(T0);
    private final TopicName topic = TopicName.of("orders.created");
    private final TopicPartition tp = new TopicPartition(topic, 0);
    private final List<EmbeddedLog> opened = new ArrayList<>();

    @AfterEach
    void closeLogs() {
        opened.forEach(EmbeddedLog::close);
    }

    private EmbeddedLogConfig config(Settings s) {
        return EmbeddedLogConfig.builder(dir)
                .segmentBytes(s.segmentBytes())
                .indexIntervalBytes(s.indexIntervalBytes())
                .clock(clock)
                .retentionCheckInterval(Duration.ofHours(1)) // the tests run retention themselves
                .fileDeleteDelay(Duration.ZERO)
                .build();
    }

    private EmbeddedLog open(Settings s) {
        EmbeddedLog log = EmbeddedLog.open(config(s));
        opened.add(log);
        return log;
    }

    private void close(EmbeddedLog log) {
        log.close();
        opened.remove(log);
    }

    private static TopicSpec spec(Settings s) {
        return new TopicSpec(1, s.durability(), Retention.FOREVER, s.compression());
    }

    private static AppendResult.Appended appended(AppendResult r) {
        assertThat(r).isInstanceOf(AppendResult.Appended.class);
        return (AppendResult.Appended) r;
    }

    /** Appends and records the batch in the model. */
    private void append(EmbeddedLog log, ExpectedLog model, List<LogRecord> records) {
        model.add(appended(log.append(tp, records).join()), records);
    }

    /** Appends a mix of batch sizes with a few 100 KiB values, moving the clock between batches. */
    private void fill(EmbeddedLog log, ExpectedLog model, Random rnd, int batches) {
        for (int i = 0; i < batches; i++) {
            clock.advanceMillis(rnd.nextInt(20));
            int count = switch (rnd.nextInt(4)) {
                case 0 -> 1;
                case 1 -> 2 + rnd.nextInt(5);
                default -> 1 + rnd.nextInt(25);
            };
            append(log, model, TestRecords.batch(rnd, count, i % 13 == 5));
        }
    }

    private long effectiveSegmentBytes(Settings s) {
        return s.onDisk() ? s.segmentBytes() : config(s).ephemeralSegmentBytes();
    }

    // ---------------------------------------------------------------- append and read

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void appendedRecordsReadBackExactlyFromEveryOffset(Settings s) {
        Random rnd = new Random(s.seed());
        EmbeddedLog log = open(s);
        log.createTopic(topic, spec(s));
        ExpectedLog model = new ExpectedLog(s.compression());
        fill(log, model, rnd, 40);

        model.assertMatches(log, tp, s.toString());
        for (long from = 0; from < model.end(); from++) {
            ReadResult.Records r = (ReadResult.Records) log.read(tp, from, 3, Integer.MAX_VALUE);
            assertThat(describe(r.entries())).as("%s: 3 records from %d", s, from)
                    .containsExactlyElementsOf(describe(model.entries().subList((int) from, (int) Math.min(from + 3, model.end()))));
            assertThat(r.nextOffset()).isEqualTo(Math.min(from + 3, model.end()));
        }

        long totalBytes = model.batches().stream().mapToLong(ExpectedLog.Batch::storedSize).sum();
        List<Segment> segments = log.segmentsOf(tp);
        if (totalBytes > effectiveSegmentBytes(s)) {
            assertThat(segments).as("%s: %d bytes of batches roll into more than one segment", s, totalBytes).hasSizeGreaterThan(1);
        }
        for (Segment seg : segments) {
            long batchesIn = model.batches().stream()
                    .filter(b -> b.baseOffset() >= seg.baseOffset() && b.baseOffset() < seg.nextOffset()).count();
            assertThat(seg.size() <= effectiveSegmentBytes(s) || batchesIn == 1)
                    .as("%s: segment %d of %d bytes holds %d batches", s, seg.baseOffset(), seg.size(), batchesIn).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void readsAreBoundedByMaxRecordsAndMaxBytes(Settings s) {
        Random rnd = new Random(s.seed() * 31L);
        EmbeddedLog log = open(s);
        log.createTopic(topic, spec(s));
        ExpectedLog model = new ExpectedLog(s.compression());
        fill(log, model, rnd, 40);

        int[] maxRecordsChoices = {1, 2, 7, 50, Integer.MAX_VALUE};
        int[] maxBytesChoices = {1, 60, 500, 4000, 70_000, 250_000, Integer.MAX_VALUE};
        for (int i = 0; i < 400; i++) {
            long from = rnd.nextLong(model.end());
            int maxRecords = maxRecordsChoices[rnd.nextInt(maxRecordsChoices.length)];
            int maxBytes = maxBytesChoices[rnd.nextInt(maxBytesChoices.length)];
            String what = s + ": read(" + from + ", " + maxRecords + ", " + maxBytes + ")";
            ReadResult.Records r = (ReadResult.Records) log.read(tp, from, maxRecords, maxBytes);
            List<LogEntry> got = r.entries();
            assertThat(got).as("%s returns at least one record", what).isNotEmpty();
            assertThat(got.size()).as("%s: records", what).isLessThanOrEqualTo(maxRecords);
            assertThat(describe(got)).as(what)
                    .containsExactlyElementsOf(describe(model.entries().subList((int) from, (int) from + got.size())));
            assertThat(r.nextOffset()).as(what).isEqualTo(from + got.size());
            assertThat(r.endOffset()).as(what).isEqualTo(model.end());
            if (maxBytes == Integer.MAX_VALUE) {
                assertThat(got.size()).as("%s: unbounded bytes returns all asked for", what)
                        .isEqualTo((int) Math.min(maxRecords, model.end() - from));
            }
            // batches whose bytes the read used: from the batch holding 'from' to the one of the last record
            long firstBase = model.batchOf(from).baseOffset();
            long lastBase = model.batchOf(got.getLast().offset()).baseOffset();
            List<ExpectedLog.Batch> touched = model.batches().stream()
                    .filter(b -> b.baseOffset() >= firstBase && b.baseOffset() <= lastBase).toList();
            long bytes = touched.stream().mapToLong(ExpectedLog.Batch::storedSize).sum();
            if (touched.size() > 1) {
                assertThat(bytes).as("%s: a read of several batches stays within maxBytes", what).isLessThanOrEqualTo(maxBytes);
            }
        }

        // a first record bigger than maxBytes comes back whole
        ExpectedLog.Batch large = model.batches().stream()
                .filter(b -> b.entries().stream().anyMatch(e -> e.value().length == TestRecords.LARGE_VALUE))
                .findFirst().orElseThrow();
        LogEntry big = large.entries().stream().filter(e -> e.value().length == TestRecords.LARGE_VALUE).findFirst().orElseThrow();
        ReadResult.Records r = (ReadResult.Records) log.read(tp, big.offset(), 1, 100);
        assertThat(describe(r.entries())).containsExactly(describe(big));

        // at the end: nothing yet, not out of range; past the end or before the start: out of range
        assertThat(log.read(tp, model.end(), 10, 1000)).isEqualTo(new ReadResult.Records(List.of(), model.end(), model.end()));
        assertThat(log.read(tp, model.end() + 1, 10, 1000)).isEqualTo(new ReadResult.OutOfRange(model.end() + 1, 0, model.end()));
        assertThat(log.read(tp, -1, 10, 1000)).isEqualTo(new ReadResult.OutOfRange(-1, 0, model.end()));
        assertThatThrownBy(() -> log.read(tp, 0, 0, 1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.read(tp, 0, 10, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- time

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void offsetForTimestampIsTheFirstRecordAtOrAfterIt(Settings s) {
        Random rnd = new Random(s.seed() * 17L);
        EmbeddedLog log = open(s);
        log.createTopic(topic, spec(s));
        ExpectedLog model = new ExpectedLog(s.compression());
        for (int i = 0; i < 60; i++) {
            clock.advanceMillis(rnd.nextInt(8));
            List<LogRecord> batch = new ArrayList<>();
            int count = 1 + rnd.nextInt(6);
            for (int j = 0; j < count; j++) {
                // mostly stamped on append; some producer timestamps, a few of them older than the clock
                long ts = rnd.nextInt(4) == 0 ? clock.millis() + rnd.nextInt(30) - 20 : LogRecord.APPEND_TIME;
                batch.add(TestRecords.record(rnd, i % 20 == 7 && j == 0 ? TestRecords.LARGE_VALUE : -1, ts));
            }
            append(log, model, batch);
        }
        assertOffsetsForTime(log, model, s.toString());
        if (s.onDisk()) {
            close(log);
            log = open(s);
            assertOffsetsForTime(log, model, s + " after reopen");
        }
    }

    private void assertOffsetsForTime(EmbeddedLog log, ExpectedLog model, String context) {
        long min = model.entries().stream().mapToLong(LogEntry::timestamp).min().orElseThrow();
        long max = model.entries().stream().mapToLong(LogEntry::timestamp).max().orElseThrow();
        for (long t = min - 3; t <= max + 3; t++) {
            OptionalLong expected = model.offsetForTimestamp(t);
            assertThat(log.offsetForTimestamp(tp, t)).as("%s: offset for time %d (first ts %d, last %d)", context, t, min, max)
                    .isEqualTo(expected);
        }
        assertThat(log.offsetForTimestamp(tp, max + 1)).as("%s: none after the last record", context).isEmpty();
        assertThat(log.offsetForTimestamp(tp, 0)).as("%s: the epoch finds the first record", context).hasValue(model.start());
    }

    // ---------------------------------------------------------------- reopen

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void cleanReopenKeepsRecordsAndOffsetsContinue(Settings s) {
        Random rnd = new Random(s.seed() * 7L);
        EmbeddedLog log = open(s);
        TopicSpec spec = spec(s);
        log.createTopic(topic, spec);
        ExpectedLog model = new ExpectedLog(s.compression());
        fill(log, model, rnd, 25);
        close(log);

        log = open(s);
        assertThat(log.describeTopic(topic)).as("%s: topic survives reopen with its spec", s).hasValue(spec);
        assertThat(log.topics()).isEqualTo(Map.of(topic, spec));
        if (!s.onDisk()) {
            assertThat(log.startOffset(tp)).as("ephemeral records are gone").isZero();
            assertThat(log.endOffset(tp)).as("ephemeral records are gone").isZero();
            assertThat(log.read(tp, 0, 10, 1000)).isEqualTo(new ReadResult.Records(List.of(), 0, 0));
            model = new ExpectedLog(s.compression());
        }
        model.assertMatches(log, tp, s + " after clean reopen");
        fill(log, model, rnd, 10);
        model.assertMatches(log, tp, s + " after appends to the reopened log");
        close(log);

        log = open(s);
        if (s.onDisk()) {
            model.assertMatches(log, tp, s + " after a second reopen");
        } else {
            assertThat(log.endOffset(tp)).isZero();
        }
    }

    // ---------------------------------------------------------------- retention

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void retentionByMaxMessagesDropsWholeOldSegmentsOnly(Settings s) {
        long maxMessages = 60;
        Random rnd = new Random(s.seed() * 11L);
        EmbeddedLog log = open(s);
        log.createTopic(topic, spec(s).withRetention(new Retention(Retention.UNLIMITED, maxMessages, Retention.UNLIMITED)));
        ExpectedLog model = new ExpectedLog(s.compression());
        for (int round = 0; round < 4; round++) {
            fill(log, model, rnd, 15);
            log.runRetention();
            assertRetained(log, model, s + " round " + round, kept -> {
                long end = model.end();
                assertThat(end - kept.getFirst().baseOffset()).as("keeps at least max_messages").isGreaterThanOrEqualTo(Math.min(maxMessages, end));
                if (kept.size() > 1) {
                    assertThat(end - kept.get(1).baseOffset()).as("nothing more than needed is kept").isLessThan(maxMessages);
                }
            });
        }
        if (effectiveSegmentBytes(s) <= 64 * KIB) {
            assertThat(log.startOffset(tp)).as("%s: %d records in small segments, old ones went", s, model.end()).isPositive();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void retentionByMaxBytesDropsWholeOldSegmentsOnly(Settings s) {
        long maxBytes = 150 * KIB;
        Random rnd = new Random(s.seed() * 13L);
        EmbeddedLog log = open(s);
        log.createTopic(topic, spec(s).withRetention(new Retention(Retention.UNLIMITED, Retention.UNLIMITED, maxBytes)));
        ExpectedLog model = new ExpectedLog(s.compression());
        for (int round = 0; round < 4; round++) {
            fill(log, model, rnd, 15);
            log.runRetention();
            assertRetained(log, model, s + " round " + round, kept -> {
                long total = kept.stream().mapToLong(Segment::size).sum();
                long written = model.batches().stream().mapToLong(ExpectedLog.Batch::storedSize).sum();
                assertThat(total).as("keeps at least max_bytes").isGreaterThanOrEqualTo(Math.min(maxBytes, written));
                if (kept.size() > 1) {
                    assertThat(total - kept.getFirst().size()).as("nothing more than needed is kept").isLessThan(maxBytes);
                }
            });
        }
        if (effectiveSegmentBytes(s) <= 64 * KIB) {
            assertThat(log.startOffset(tp)).as("%s: small segments over max_bytes, old ones went", s).isPositive();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void retentionByMaxAgeDropsExpiredSegmentsThenEverything(Settings s) {
        Duration maxAge = Duration.ofHours(1);
        Random rnd = new Random(s.seed() * 19L);
        EmbeddedLog log = open(s);
        log.createTopic(topic, spec(s).withRetention(Retention.maxAge(maxAge)));
        ExpectedLog model = new ExpectedLog(s.compression());
        fill(log, model, rnd, 20);
        log.runRetention();
        assertThat(log.startOffset(tp)).as("%s: nothing is old yet", s).isZero();

        clock.advance(maxAge.plusMinutes(1));
        fill(log, model, rnd, 20);
        log.runRetention();
        long cutoff = clock.millis() - maxAge.toMillis();
        assertRetained(log, model, s + " after an hour", kept -> {
            long start = kept.getFirst().baseOffset();
            assertThat(model.entries().subList(0, (int) start)).as("only expired records go")
                    .allSatisfy(e -> assertThat(e.timestamp()).isLessThan(cutoff));
            if (kept.size() > 1) {
                assertThat(kept.getFirst().maxTimestamp()).as("the first kept segment is not expired").isGreaterThanOrEqualTo(cutoff);
            }
        });
        if (effectiveSegmentBytes(s) <= 64 * KIB) {
            assertThat(log.startOffset(tp)).as("%s: small segments of old records went", s).isPositive();
        }

        clock.advance(maxAge.plusMinutes(1));
        log.runRetention();
        long end = model.end();
        assertThat(log.startOffset(tp)).as("%s: every record expired, even the active segment's", s).isEqualTo(end);
        assertThat(log.endOffset(tp)).isEqualTo(end);
        assertThat(log.read(tp, end, 10, 1000)).isEqualTo(new ReadResult.Records(List.of(), end, end));
        assertThat(log.read(tp, end - 1, 10, 1000)).isEqualTo(new ReadResult.OutOfRange(end - 1, end, end));
        assertThat(log.segmentsOf(tp)).as("the active segment stays").hasSize(1);
        model.truncateBefore(end);
        fill(log, model, rnd, 3);
        model.assertMatches(log, tp, s + " after appends following total expiry");
        assertNoDeletedFilesRemain(s);
    }

    /** Invariants after retention: whole segments went, the start moved to a segment base, reads below it are out of range. */
    private void assertRetained(EmbeddedLog log, ExpectedLog model, String context,
                                java.util.function.Consumer<List<Segment>> limitCheck) {
        List<Segment> kept = log.segmentsOf(tp);
        assertThat(kept).as("%s: the active segment is never deleted", context).isNotEmpty();
        assertThat(kept.getLast().nextOffset()).as("%s: the active segment is never deleted", context).isEqualTo(model.end());
        long start = log.startOffset(tp);
        assertThat(start).as("%s: start offset is the first kept segment's base", context).isEqualTo(kept.getFirst().baseOffset());
        List<Long> boundaries = new ArrayList<>(model.batches().stream().map(ExpectedLog.Batch::baseOffset).toList());
        boundaries.add(model.end());
        assertThat(boundaries).as("%s: whole batches go, start %d", context, start).contains(start);
        model.truncateBefore(start);
        model.assertMatches(log, tp, context);
        if (start > 0) {
            assertThat(log.read(tp, start - 1, 10, 1000)).as("%s: below the start", context)
                    .isEqualTo(new ReadResult.OutOfRange(start - 1, start, model.end()));
            assertThat(log.read(tp, 0, 10, 1000)).as("%s: below the start", context)
                    .isEqualTo(new ReadResult.OutOfRange(0, start, model.end()));
        }
        limitCheck.accept(kept);
        assertNoDeletedFilesRemain(null);
    }

    private void assertNoDeletedFilesRemain(Settings s) {
        Path partitionDir = dir.resolve(topic.value()).resolve("0");
        Await.until("retired segment files are deleted", Duration.ofSeconds(10), () -> {
            if (!Files.isDirectory(partitionDir)) {
                return true;
            }
            try (Stream<Path> files = Files.list(partitionDir)) {
                return files.noneMatch(f -> f.getFileName().toString().endsWith(LogFiles.DELETED_SUFFIX));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    // ---------------------------------------------------------------- topics

    @ParameterizedTest(name = "{0}")
    @EnumSource(Durability.class)
    void topicsCreateUpdateAndDelete(Durability durability) throws IOException {
        Settings s = new Settings(4 * KIB, 4096, durability, Compression.NONE);
        Random rnd = new Random(durability.ordinal());
        EmbeddedLog log = open(s);
        TopicSpec spec = new TopicSpec(1, durability, Retention.FOREVER, Compression.NONE);
        log.createTopic(topic, spec);
        assertThatThrownBy(() -> log.createTopic(topic, spec)).isInstanceOf(TopicExistsException.class)
                .hasMessageContaining(topic.value());
        ExpectedLog model = new ExpectedLog(Compression.NONE);
        fill(log, model, rnd, 10);

        // partitions grow only; retention and compression may change
        TopicSpec grown = spec.withPartitions(3).withCompression(Compression.ZSTD)
                .withRetention(new Retention(Retention.UNLIMITED, 1000, Retention.UNLIMITED));
        log.updateTopic(topic, grown);
        assertThat(log.describeTopic(topic)).hasValue(grown);
        TopicPartition p2 = new TopicPartition(topic, 2);
        assertThat(appended(log.append(p2, List.of(LogRecord.of(utf8("in a new partition")))).join()).baseOffset()).isZero();
        assertThatThrownBy(() -> log.updateTopic(topic, grown.withPartitions(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only grow");
        assertThat(log.describeTopic(topic)).hasValue(grown);

        // ephemeral (memory) and durable/persistent (disk) never turn into each other
        for (Durability other : Durability.values()) {
            boolean crossesMemoryAndDisk = (other == Durability.EPHEMERAL) != (durability == Durability.EPHEMERAL);
            if (crossesMemoryAndDisk) {
                assertThatThrownBy(() -> log.updateTopic(topic, grown.withDurability(other)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ephemeral");
                assertThat(log.describeTopic(topic)).hasValue(grown);
            }
        }
        TopicSpec current = grown;
        if (durability != Durability.EPHEMERAL) {
            Durability other = durability == Durability.DURABLE ? Durability.PERSISTENT : Durability.DURABLE;
            current = grown.withDurability(other);
            log.updateTopic(topic, current);
            fill(log, model, rnd, 3);
        }
        assertThatThrownBy(() -> log.updateTopic(TopicName.of("no.such.topic"), spec)).isInstanceOf(UnknownTopicException.class);
        model.assertMatches(log, tp, "after updates");
        close(log);

        EmbeddedLog reopened = open(s);
        assertThat(reopened.describeTopic(topic)).as("the updated spec is what reopens").hasValue(current);
        assertThat(reopened.endOffset(p2)).isEqualTo(durability == Durability.EPHEMERAL ? 0 : 1);

        // delete: files gone, the topic unknown; re-create starts empty
        Path topicDir = dir.resolve(topic.value());
        assertThat(topicDir).isDirectory();
        assertThat(reopened.deleteTopic(topic)).isTrue();
        assertThat(reopened.deleteTopic(topic)).as("second delete").isFalse();
        assertThat(topicDir).doesNotExist();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no leftovers of the topic")
                    .noneMatch(n -> n.startsWith(topic.value()));
        }
        assertThat(reopened.describeTopic(topic)).isEmpty();
        assertThat(reopened.append(tp, List.of(LogRecord.of(utf8("x")))).join())
                .isInstanceOfSatisfying(AppendResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(AppendResult.Reason.UNKNOWN_TOPIC));
        assertThatThrownBy(() -> reopened.read(tp, 0, 1, 100)).isInstanceOf(UnknownTopicException.class);

        reopened.createTopic(topic, spec);
        assertThat(reopened.endOffset(tp)).as("re-created topic is empty").isZero();
        assertThatThrownBy(() -> reopened.endOffset(p2)).as("re-created with one partition").isInstanceOf(UnknownTopicException.class);
        ExpectedLog fresh = new ExpectedLog(Compression.NONE);
        fill(reopened, fresh, rnd, 3);
        fresh.assertMatches(reopened, tp, "re-created topic");
        close(reopened);
        EmbeddedLog third = open(s);
        assertThat(third.describeTopic(topic)).hasValue(spec);
        if (durability != Durability.EPHEMERAL) {
            fresh.assertMatches(third, tp, "re-created topic after reopen");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Durability.class)
    void badAppendsAreRejectedAndAppendNothing(Durability durability) {
        Settings s = new Settings(4 * KIB, 4096, durability, Compression.NONE);
        EmbeddedLog log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir).maxBatchBytes(4 * KIB).clock(clock).build());
        opened.add(log);
        log.createTopic(topic, spec(s).withPartitions(2));
        List<LogRecord> one = List.of(LogRecord.of(utf8("v")));

        assertThat(log.append(new TopicPartition(TopicName.of("missing"), 0), one).join())
                .isInstanceOfSatisfying(AppendResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(AppendResult.Reason.UNKNOWN_TOPIC));
        assertThat(log.append(new TopicPartition(topic, 2), one).join())
                .isInstanceOfSatisfying(AppendResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(AppendResult.Reason.UNKNOWN_PARTITION));
        assertThat(log.append(tp, List.of()).join())
                .isInstanceOfSatisfying(AppendResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(AppendResult.Reason.EMPTY_BATCH));
        assertThat(log.append(tp, List.of(LogRecord.of(new byte[8 * KIB]))).join())
                .isInstanceOfSatisfying(AppendResult.Rejected.class, r -> {
                    assertThat(r.reason()).isEqualTo(AppendResult.Reason.BATCH_TOO_LARGE);
                    assertThat(r.detail()).contains("max_batch_bytes");
                });
        assertThat(log.endOffset(tp)).as("rejected appends append nothing").isZero();
        assertThatThrownBy(() -> log.read(new TopicPartition(topic, 2), 0, 1, 100)).isInstanceOf(UnknownTopicException.class);
        assertThatThrownBy(() -> log.offsetForTimestamp(new TopicPartition(TopicName.of("missing"), 0), 0))
                .isInstanceOf(UnknownTopicException.class);

        assertThat(appended(log.append(tp, one).join()).baseOffset()).as("a good append after the rejected ones").isZero();
        close(log);
        assertThat(log.append(tp, one).join()).as("after close")
                .isInstanceOfSatisfying(AppendResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(AppendResult.Reason.CLOSED));
    }

    /** Regression: a read crossing a segment boundary counted the records of earlier segments twice and stopped short. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Durability.class)
    void readAcrossSegmentsReturnsAsManyRecordsAsAsked(Durability durability) {
        EmbeddedLog log = open(new Settings(KIB, 4096, durability, Compression.NONE));
        log.createTopic(topic, new TopicSpec(1, durability, Retention.FOREVER, Compression.NONE));
        ExpectedLog model = new ExpectedLog(Compression.NONE);
        int segmentBytes = Math.toIntExact(effectiveSegmentBytes(new Settings(KIB, 4096, durability, Compression.NONE)));
        int perRecord = segmentBytes / 2 - 100; // two records fill more than half a segment: one batch per segment
        for (int i = 0; i < 4; i++) {
            append(log, model, List.of(LogRecord.of(new byte[perRecord]), LogRecord.of(new byte[perRecord])));
        }
        assertThat(log.segmentsOf(tp)).hasSize(4);
        ReadResult.Records r = (ReadResult.Records) log.read(tp, 0, 8, Integer.MAX_VALUE);
        assertThat(describe(r.entries())).containsExactlyElementsOf(describe(model.entries()));
        r = (ReadResult.Records) log.read(tp, 1, 6, Integer.MAX_VALUE);
        assertThat(describe(r.entries())).containsExactlyElementsOf(describe(model.entries().subList(1, 7)));
    }

    /** Regression: a read crossing a segment boundary served the next segment's first batch whole, past maxBytes. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Durability.class)
    void readAcrossSegmentsStaysWithinMaxBytes(Durability durability) {
        EmbeddedLog log = open(new Settings(KIB, 4096, durability, Compression.NONE));
        log.createTopic(topic, new TopicSpec(1, durability, Retention.FOREVER, Compression.NONE));
        ExpectedLog model = new ExpectedLog(Compression.NONE);
        int segmentBytes = Math.toIntExact(effectiveSegmentBytes(new Settings(KIB, 4096, durability, Compression.NONE)));
        for (int i = 0; i < 3; i++) {
            append(log, model, List.of(LogRecord.of(new byte[segmentBytes * 2 / 3])));
        }
        assertThat(log.segmentsOf(tp)).hasSize(3);
        int oneBatch = model.batches().getFirst().storedSize();
        ReadResult.Records r = (ReadResult.Records) log.read(tp, 0, 100, oneBatch + oneBatch / 2);
        assertThat(describe(r.entries())).as("only the first batch fits in %d bytes", oneBatch + oneBatch / 2)
                .containsExactly(describe(model.entries().getFirst()));
        assertThat(r.nextOffset()).isEqualTo(1);
        r = (ReadResult.Records) log.read(tp, 0, 100, 1);
        assertThat(describe(r.entries())).as("a first batch over maxBytes still comes whole")
                .containsExactly(describe(model.entries().getFirst()));
    }

    /** Regression: a second close() released the directory lock again and threw "cannot release log directory lock". */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Durability.class)
    void closingTwiceIsHarmlessAndFreesTheDirectory(Durability durability) {
        Settings s = new Settings(4 * KIB, 4096, durability, Compression.NONE);
        EmbeddedLog log = open(s);
        log.createTopic(topic, spec(s));
        ExpectedLog model = new ExpectedLog(Compression.NONE);
        fill(log, model, new Random(3), 5);
        close(log);
        log.close();
        try (EmbeddedLog again = EmbeddedLog.open(config(s))) {
            assertThat(again.endOffset(tp)).isEqualTo(durability == Durability.EPHEMERAL ? 0 : model.end());
        }
    }

    // ---------------------------------------------------------------- concurrency

    static Stream<Settings> concurrencyMatrix() {
        return Stream.of(
                new Settings(KIB, 1, Durability.PERSISTENT, Compression.NONE),
                new Settings(64 * KIB, 4096, Durability.PERSISTENT, Compression.ZSTD),
                new Settings(EmbeddedLogConfig.DEFAULT_SEGMENT_BYTES, 4096, Durability.PERSISTENT, Compression.GZIP));
    }

    /**
     * Eight threads append to one persistent partition while a reader follows: every future completes
     * Appended, offsets are unique and dense, and every record reads back with the bytes its writer sent.
     * The reader checks it never sees a record whose bytes do not belong to its offset.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("concurrencyMatrix")
    void concurrentAppendsGetDenseUniqueOffsetsAndReadBack(Settings s) throws Exception {
        int threads = 8;
        int appendsPerThread = 60;
        EmbeddedLog log = open(s);
        log.createTopic(topic, spec(s));
        Map<Long, LogRecord> byOffset = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean writersDone = new AtomicBoolean();
        AtomicReference<Throwable> readerFailure = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            List<Future<List<AppendResult>>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    Random rnd = new Random(thread);
                    go.await();
                    List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
                    List<List<LogRecord>> sent = new ArrayList<>();
                    for (int i = 0; i < appendsPerThread; i++) {
                        List<LogRecord> batch = new ArrayList<>();
                        int count = 1 + rnd.nextInt(5);
                        for (int j = 0; j < count; j++) {
                            batch.add(LogRecord.of(utf8("t" + thread + "-" + i + "-" + j),
                                    utf8("value of t" + thread + " append " + i + " record " + j + " " + "x".repeat(rnd.nextInt(200)))));
                        }
                        sent.add(batch);
                        futures.add(log.append(tp, batch));
                        if (rnd.nextInt(4) == 0) {
                            futures.getLast().join(); // mix waiting and pipelined producers
                        }
                    }
                    List<AppendResult> results = new ArrayList<>();
                    for (int i = 0; i < futures.size(); i++) {
                        AppendResult r = futures.get(i).get(30, TimeUnit.SECONDS);
                        results.add(r);
                        if (r instanceof AppendResult.Appended a) {
                            for (int j = 0; j < a.count(); j++) {
                                assertThat(byOffset.put(a.offsetOf(j), sent.get(i).get(j))).as("offset %d given twice", a.offsetOf(j)).isNull();
                            }
                        }
                    }
                    return results;
                }));
            }
            Future<?> reader = pool.submit(() -> {
                try {
                    long next = 0;
                    go.await();
                    while (!writersDone.get() || next < log.endOffset(tp)) {
                        ReadResult.Records r = (ReadResult.Records) log.read(tp, next, 100, 64 * KIB);
                        for (LogEntry e : r.entries()) {
                            assertThat(e.offset()).isEqualTo(next++);
                            String key = new String(e.key().orElseThrow(), java.nio.charset.StandardCharsets.UTF_8);
                            String[] parts = key.substring(1).split("-");
                            assertThat(new String(e.value(), java.nio.charset.StandardCharsets.UTF_8))
                                    .as("record at %d belongs to its key", e.offset())
                                    .startsWith("value of t" + parts[0] + " append " + parts[1] + " record " + parts[2] + " ");
                        }
                    }
                } catch (Throwable t) {
                    readerFailure.set(t);
                }
                return null;
            });
            go.countDown();
            List<AppendResult> all = new ArrayList<>();
            for (Future<List<AppendResult>> w : writers) {
                all.addAll(w.get(60, TimeUnit.SECONDS));
            }
            writersDone.set(true);
            reader.get(60, TimeUnit.SECONDS);
            assertThat(readerFailure.get()).as("the concurrent reader").isNull();

            assertThat(all).hasSize(threads * appendsPerThread).allSatisfy(r -> assertThat(r).isInstanceOf(AppendResult.Appended.class));
            long total = byOffset.size();
            assertThat(Set.copyOf(byOffset.keySet())).as("offsets are dense from 0")
                    .hasSize((int) total).allSatisfy(o -> assertThat(o).isBetween(0L, total - 1));
            assertThat(log.endOffset(tp)).isEqualTo(total);
            List<LogEntry> read = ExpectedLog.readAll(log, tp, 0, 500);
            assertThat(read).hasSize((int) total);
            for (LogEntry e : read) {
                LogRecord sent = byOffset.get(e.offset());
                assertThat(e.key()).as("key at %d", e.offset()).hasValueSatisfying(k -> assertThat(k).isEqualTo(sent.key().orElseThrow()));
                assertThat(e.value()).as("value at %d", e.offset()).isEqualTo(sent.value());
            }
        } finally {
            pool.shutdownNow();
        }
        close(log);
        EmbeddedLog reopened = open(s);
        assertThat(reopened.endOffset(tp)).isEqualTo(byOffset.size());
    }
}
