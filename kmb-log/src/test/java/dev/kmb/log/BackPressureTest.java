package dev.kmb.log;

import static dev.kmb.log.ExpectedLog.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A persistent partition answers BackPressured once more than {@code max_unflushed_bytes} wait for fsync,
 * and a back-pressured append leaves no trace in the log.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackPressureTest {

    private static final TopicName TOPIC = TopicName.of("pressure");
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dir;

    /** The flusher is stuck in a slow fsync: the second append finds bytes waiting and is turned away. */
    @Test
    void persistentAppendIsBackPressuredWhileBytesWaitForFsync() throws Exception {
        GroupCommitter committer = new GroupCommitter(1);
        CountDownLatch flusherBusy = new CountDownLatch(1);
        CountDownLatch diskResponds = new CountDownLatch(1);
        committer.execute(() -> { // occupies the only flusher thread, as a slow fsync would
            flusherBusy.countDown();
            try {
                diskResponds.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(flusherBusy.await(10, TimeUnit.SECONDS)).isTrue();
        EmbeddedLogConfig config = EmbeddedLogConfig.builder(dir).maxUnflushedBytes(1).build();
        PartitionLog partition = PartitionLog.open(TP, dir.resolve("0"), Durability.PERSISTENT, config, committer,
                end -> { }, Runnable::run, true);
        try {
            CompletableFuture<AppendResult> first = partition.append(batch("first"), 1, 1L);
            assertThat(first).as("waits for its fsync").isNotDone();

            AppendResult second = partition.append(batch("second"), 1, 1L).join();
            assertThat(second).isInstanceOfSatisfying(AppendResult.BackPressured.class,
                    b -> assertThat(b.reason()).contains("waiting for fsync"));
            assertThat(partition.endOffset()).as("nothing is visible before the fsync").isZero();

            diskResponds.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(AppendResult.Appended.class,
                    a -> assertThat(a.baseOffset()).isZero());
            AppendResult retry = partition.append(batch("second"), 1, 1L).get(10, TimeUnit.SECONDS);
            assertThat(retry).as("once the fsync caught up").isInstanceOfSatisfying(AppendResult.Appended.class,
                    a -> assertThat(a.baseOffset()).isEqualTo(1));

            ReadResult.Records all = (ReadResult.Records) partition.read(0, 10, 1 << 20);
            assertThat(all.entries()).extracting(e -> new String(e.value(), java.nio.charset.StandardCharsets.UTF_8))
                    .as("the back-pressured append left nothing behind").containsExactly("first", "second");
        } finally {
            diskResponds.countDown();
            partition.close();
            committer.close();
        }
    }

    /**
     * Many producers against a tiny budget: every append either lands (dense offsets, bytes intact) or is
     * back-pressured and leaves nothing. Durable topics never back-pressure (nothing waits for fsync).
     */
    @Test
    void underLoadEveryAppendLandsOrLeavesNoTrace() throws Exception {
        EmbeddedLogConfig config = EmbeddedLogConfig.builder(dir).maxUnflushedBytes(1).segmentBytes(16 * 1024).build();
        TopicName durableTopic = TopicName.of("pressure.durable");
        try (EmbeddedLog log = EmbeddedLog.open(config)) {
            log.createTopic(TOPIC, new TopicSpec(1, Durability.PERSISTENT, Retention.FOREVER, Compression.NONE));
            log.createTopic(durableTopic, new TopicSpec(1, Durability.DURABLE, Retention.FOREVER, Compression.NONE));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<List<String>>> producers = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    producers.add(pool.submit(() -> {
                        List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
                        List<String> values = new ArrayList<>();
                        for (int i = 0; i < 100; i++) {
                            values.add("t" + thread + "-" + i);
                            futures.add(log.append(TP, List.of(LogRecord.of(utf8(values.getLast())))));
                            AppendResult durable = log.append(new TopicPartition(durableTopic, 0), List.of(LogRecord.of(utf8("d")))).join();
                            assertThat(durable).as("durable topics are never back-pressured").isInstanceOf(AppendResult.Appended.class);
                        }
                        List<String> landed = new ArrayList<>();
                        for (int i = 0; i < futures.size(); i++) {
                            AppendResult r = futures.get(i).get(30, TimeUnit.SECONDS);
                            assertThat(r).isInstanceOfAny(AppendResult.Appended.class, AppendResult.BackPressured.class);
                            if (r instanceof AppendResult.Appended) {
                                landed.add(values.get(i));
                            }
                        }
                        return landed;
                    }));
                }
                List<String> landed = new ArrayList<>();
                for (Future<List<String>> p : producers) {
                    landed.addAll(p.get(60, TimeUnit.SECONDS));
                }
                List<LogEntry> all = ExpectedLog.readAll(log, TP, 0, 1000);
                assertThat(log.endOffset(TP)).isEqualTo(landed.size());
                assertThat(all).extracting(e -> new String(e.value(), java.nio.charset.StandardCharsets.UTF_8))
                        .as("exactly the appends that were acknowledged").containsExactlyInAnyOrderElementsOf(landed);
                assertThat(log.endOffset(new TopicPartition(durableTopic, 0))).isEqualTo(800);
                System.out.printf("%d of 800 persistent appends landed, the rest were back-pressured%n", landed.size());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static ByteBuffer batch(String value) {
        return RecordBatch.encode(List.of(LogRecord.of(utf8(value))), 1L, Compression.NONE, -1, 0);
    }
}
