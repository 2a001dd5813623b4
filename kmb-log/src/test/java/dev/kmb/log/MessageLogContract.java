package dev.kmb.log;

import static dev.kmb.log.ExpectedLog.describe;
import static dev.kmb.log.ExpectedLog.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.Partitioner;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicExistsException;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import dev.kmb.log.spi.UnknownTopicException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What every {@link MessageLog} backend must do alike, whatever it stores on: topic lifecycle, append and read
 * back byte for byte (keys, headers, timestamps), read bounds and ranges, offsets for times, start and end offsets,
 * partitioning and append listeners. Subclasses give the log ({@link #log()}); each test uses topics of its own,
 * so one log (or one cluster) may serve a whole test class. Only specs every backend supports are used here
 * (no max_messages retention, no brotli): backend-specific refusals are tested beside each backend.
 */
public abstract class MessageLogContract {

    private static final AtomicInteger TOPICS = new AtomicInteger();
    private static final long T0 = 1_700_000_000_000L;

    /** The log under test; the subclass opens and closes it. */
    protected abstract MessageLog log();

    /** A topic name no other test of this run uses. */
    protected TopicName freshTopic(String what) {
        return TopicName.of("contract." + what + "-" + ProcessHandle.current().pid() + "-" + TOPICS.incrementAndGet());
    }

    private static AppendResult.Appended appended(AppendResult r) {
        assertThat(r).isInstanceOf(AppendResult.Appended.class);
        return (AppendResult.Appended) r;
    }

    @Test
    void topicsAreCreatedDescribedUpdatedAndDeleted() {
        MessageLog log = log();
        TopicName topic = freshTopic("lifecycle");
        TopicSpec spec = new TopicSpec(3, Durability.PERSISTENT, new Retention(3_600_000, Retention.UNLIMITED, 10 << 20),
                Compression.GZIP);
        log.createTopic(topic, spec);
        assertThat(log.describeTopic(topic)).hasValue(spec);
        assertThat(log.topics()).containsEntry(topic, spec);
        assertThatThrownBy(() -> log.createTopic(topic, spec)).isInstanceOf(TopicExistsException.class);

        TopicSpec grown = new TopicSpec(5, Durability.DURABLE, Retention.FOREVER, Compression.ZSTD);
        log.updateTopic(topic, grown);
        assertThat(log.describeTopic(topic)).hasValue(grown);
        assertThatThrownBy(() -> log.updateTopic(topic, grown.withPartitions(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only grow");
        assertThat(log.endOffset(new TopicPartition(topic, 4))).isZero();
        assertThatThrownBy(() -> log.updateTopic(freshTopic("missing"), grown)).isInstanceOf(UnknownTopicException.class);

        assertThat(log.deleteTopic(topic)).isTrue();
        assertThat(log.describeTopic(topic)).isEmpty();
        assertThat(log.topics()).doesNotContainKey(topic);
        assertThat(log.deleteTopic(topic)).isFalse();
    }

    @Test
    void appendedRecordsReadBackExactlyWithKeysHeadersAndTimestamps() {
        MessageLog log = log();
        TopicName topic = freshTopic("roundtrip");
        TopicPartition tp = new TopicPartition(topic, 0);
        log.createTopic(topic, TopicSpec.defaults());
        Random rnd = new Random(42);
        ExpectedLog model = new ExpectedLog(Compression.NONE);
        for (int i = 0; i < 30; i++) {
            List<LogRecord> batch = TestRecords.batch(rnd, 1 + rnd.nextInt(12), i == 7);
            if (i % 5 == 0) { // some producer timestamps
                batch = new ArrayList<>(batch);
                LogRecord r = batch.get(0);
                batch.set(0, LogRecord.of(r.key(), r.value(), r.headers(), T0 + i));
            }
            AppendResult.Appended a = appended(log.append(tp, batch).join());
            assertThat(a.partition()).isEqualTo(tp);
            model.add(a, batch);
        }
        model.assertMatches(log, tp, "round trip");
        for (long from = 0; from < model.end(); from += 1 + rnd.nextInt(4)) {
            ReadResult.Records r = (ReadResult.Records) log.read(tp, from, 3, Integer.MAX_VALUE);
            assertThat(describe(r.entries())).as("3 records from %d", from)
                    .containsExactlyElementsOf(describe(model.entries().subList((int) from, (int) Math.min(from + 3, model.end()))));
            assertThat(r.nextOffset()).isEqualTo(Math.min(from + 3, model.end()));
            assertThat(r.endOffset()).isEqualTo(model.end());
        }
        LogEntry withHeaders = model.entries().stream().filter(e -> !e.headers().isEmpty()).findFirst().orElseThrow();
        ReadResult.Records one = (ReadResult.Records) log.read(tp, withHeaders.offset(), 1, 1 << 20);
        assertThat(one.entries().get(0).headers()).isEqualTo(withHeaders.headers());
    }

    @Test
    void readsAreBoundedAndOutOfRangeIsAValue() {
        MessageLog log = log();
        TopicName topic = freshTopic("bounds");
        TopicPartition tp = new TopicPartition(topic, 0);
        log.createTopic(topic, TopicSpec.defaults());
        assertThat(log.read(tp, 0, 10, 1000)).isEqualTo(new ReadResult.Records(List.of(), 0, 0));
        for (int i = 0; i < 20; i++) { // one record per append: the embedded log bounds bytes by whole batches
            appended(log.append(tp, List.of(LogRecord.of(utf8("k" + i), new byte[i == 5 ? 5000 : 100]))).join());
        }

        ReadResult.Records few = (ReadResult.Records) log.read(tp, 0, 4, Integer.MAX_VALUE);
        assertThat(few.entries()).extracting(LogEntry::offset).containsExactly(0L, 1L, 2L, 3L);
        assertThat(few.nextOffset()).isEqualTo(4);
        ReadResult.Records small = (ReadResult.Records) log.read(tp, 0, 20, 350);
        assertThat(small.entries()).hasSizeBetween(1, 3);
        assertThat(small.nextOffset()).isEqualTo(small.entries().size());
        ReadResult.Records big = (ReadResult.Records) log.read(tp, 5, 20, 100);
        assertThat(big.entries()).as("a first record larger than maxBytes comes back whole").hasSize(1);
        assertThat(big.entries().get(0).value()).hasSize(5000);

        assertThat(log.read(tp, 20, 10, 1000)).isEqualTo(new ReadResult.Records(List.of(), 20, 20));
        assertThat(log.read(tp, 21, 10, 1000)).isEqualTo(new ReadResult.OutOfRange(21, 0, 20));
        assertThat(log.read(tp, -1, 10, 1000)).isEqualTo(new ReadResult.OutOfRange(-1, 0, 20));
        assertThatThrownBy(() -> log.read(tp, 0, 0, 1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.read(tp, 0, 10, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.read(new TopicPartition(topic, 1), 0, 10, 1000)).isInstanceOf(UnknownTopicException.class);
        assertThatThrownBy(() -> log.read(new TopicPartition(freshTopic("missing"), 0), 0, 10, 1000))
                .isInstanceOf(UnknownTopicException.class);
    }

    @Test
    void sequentialReadsFollowAppendsAcrossPartitions() {
        MessageLog log = log();
        TopicName topic = freshTopic("follow");
        log.createTopic(topic, TopicSpec.defaults().withPartitions(2));
        long[] next = new long[2];
        for (int round = 0; round < 20; round++) {
            for (int p = 0; p < 2; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                appended(log.append(tp, List.of(LogRecord.of(utf8("r" + round + "p" + p)))).join());
                ReadResult.Records r = (ReadResult.Records) log.read(tp, next[p], 100, 1 << 20);
                assertThat(r.entries()).extracting(e -> new String(e.value(), java.nio.charset.StandardCharsets.UTF_8))
                        .containsExactly("r" + round + "p" + p);
                next[p] = r.nextOffset();
            }
        }
        assertThat(next).containsExactly(20, 20);
    }

    @Test
    void offsetForTimestampIsTheFirstRecordAtOrAfterIt() {
        MessageLog log = log();
        TopicName topic = freshTopic("time");
        TopicPartition tp = new TopicPartition(topic, 0);
        log.createTopic(topic, TopicSpec.defaults());
        Random rnd = new Random(7);
        ExpectedLog model = new ExpectedLog(Compression.NONE);
        long t = T0;
        for (int i = 0; i < 25; i++) {
            List<LogRecord> batch = new ArrayList<>();
            for (int j = 0; j < 1 + rnd.nextInt(4); j++) {
                t += rnd.nextInt(5);
                long ts = rnd.nextInt(6) == 0 ? t - rnd.nextInt(10) : t; // a few out of order
                batch.add(TestRecords.record(rnd, -1, ts));
            }
            model.add(appended(log.append(tp, batch).join()), batch);
        }
        long min = model.entries().stream().mapToLong(LogEntry::timestamp).min().orElseThrow();
        long max = model.entries().stream().mapToLong(LogEntry::timestamp).max().orElseThrow();
        for (long ts = min - 2; ts <= max + 2; ts++) {
            assertThat(log.offsetForTimestamp(tp, ts)).as("offset for time %d", ts).isEqualTo(model.offsetForTimestamp(ts));
        }
        assertThat(log.offsetForTimestamp(tp, 0)).hasValue(0);
    }

    @Test
    void startAndEndOffsetsFollowAppends() {
        MessageLog log = log();
        TopicName topic = freshTopic("offsets");
        TopicPartition tp = new TopicPartition(topic, 1);
        log.createTopic(topic, TopicSpec.defaults().withPartitions(2));
        assertThat(log.startOffset(tp)).isZero();
        assertThat(log.endOffset(tp)).isZero();
        AppendResult.Appended a = appended(log.append(tp, List.of(LogRecord.of(utf8("a")), LogRecord.of(utf8("b")))).join());
        assertThat(a.baseOffset()).isZero();
        assertThat(a.count()).isEqualTo(2);
        AppendResult.Appended b = appended(log.append(tp, List.of(LogRecord.of(utf8("c")))).join());
        assertThat(b.baseOffset()).isEqualTo(2);
        assertThat(log.endOffset(tp)).isEqualTo(3);
        assertThat(log.startOffset(tp)).isZero();
        assertThat(log.endOffset(new TopicPartition(topic, 0))).isZero();
    }

    @Test
    void badAppendsAreRejectedValues() {
        MessageLog log = log();
        TopicName topic = freshTopic("rejects");
        log.createTopic(topic, TopicSpec.defaults());
        List<LogRecord> one = List.of(LogRecord.of(utf8("x")));
        assertThat(log.append(new TopicPartition(freshTopic("missing"), 0), one).join())
                .isInstanceOfSatisfying(AppendResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(AppendResult.Reason.UNKNOWN_TOPIC));
        assertThat(log.append(new TopicPartition(topic, 3), one).join())
                .isInstanceOfSatisfying(AppendResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(AppendResult.Reason.UNKNOWN_PARTITION));
        assertThat(log.append(new TopicPartition(topic, 0), List.of()).join())
                .isInstanceOfSatisfying(AppendResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(AppendResult.Reason.EMPTY_BATCH));
        assertThat(log.endOffset(new TopicPartition(topic, 0))).isZero();
    }

    @Test
    void partitionForHashesKeysAsKafkaDoes() {
        MessageLog log = log();
        TopicName topic = freshTopic("keys");
        log.createTopic(topic, TopicSpec.defaults().withPartitions(7));
        for (int i = 0; i < 200; i++) {
            byte[] key = utf8("customer-" + i);
            assertThat(log.partitionFor(topic, LogRecord.of(key, utf8("v")))).isEqualTo(Partitioner.partitionForKey(key, 7));
        }
        ConcurrentHashMap.KeySetView<Integer, Boolean> seen = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 14; i++) {
            seen.add(log.partitionFor(topic, LogRecord.of(utf8("no key"))));
        }
        assertThat(seen).as("records without a key spread over the partitions").hasSizeGreaterThan(1);
        assertThatThrownBy(() -> log.partitionFor(freshTopic("missing"), LogRecord.of(utf8("v"))))
                .isInstanceOf(UnknownTopicException.class);
    }

    @Test
    void appendListenersHearOfAppends() {
        MessageLog log = log();
        TopicName topic = freshTopic("listen");
        TopicPartition tp = new TopicPartition(topic, 0);
        log.createTopic(topic, TopicSpec.defaults());
        ConcurrentHashMap<TopicPartition, Long> heard = new ConcurrentHashMap<>();
        log.addAppendListener((p, end) -> heard.merge(p, end, Math::max));
        appended(log.append(tp, List.of(LogRecord.of(utf8("a")), LogRecord.of(Optional.empty(), utf8("b"),
                List.of(new Header("h", utf8("v"))), LogRecord.APPEND_TIME))).join());
        Await.until("the listener hears of offset 2", Duration.ofSeconds(10), () -> heard.getOrDefault(tp, 0L) >= 2);
    }
}
