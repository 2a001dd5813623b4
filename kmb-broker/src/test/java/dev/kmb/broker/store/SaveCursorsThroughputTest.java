package dev.kmb.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.broker.spi.CursorState;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import dev.kmb.log.spi.TopicSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A micro-measure, not a benchmark (JMH lives in kmb-bench): upserts of cursors in ack-path-sized batches, reported in
 * the test log. What it asserts is that every save landed.
 */
class SaveCursorsThroughputTest {

    private static final Logger LOG = LoggerFactory.getLogger(SaveCursorsThroughputTest.class);
    private static final int PARTITIONS = 100;
    private static final int BATCHES = 100;

    @TempDir
    Path dir;

    @Test
    void tenThousandUpsertsInBatchesOfAHundredAllLand() {
        TenantId tenant = TenantId.DEFAULT;
        TopicName topic = TopicName.of("bench.acks");
        try (SqliteStateStore store = SqliteStateStore.open(dir)) {
            store.createTopic(TopicRecord.create(tenant, topic, TopicSpec.defaults().withPartitions(PARTITIONS),
                    Instant.now()));
            store.createSubscription(SubscriptionRecord.builder(tenant, "bench", TopicPattern.of("#"))
                    .build(Instant.now()));
            List<List<CursorState>> batches = new ArrayList<>();
            for (int b = 0; b < BATCHES; b++) {
                List<CursorState> batch = new ArrayList<>(PARTITIONS);
                for (int p = 0; p < PARTITIONS; p++) {
                    long floor = 1000L * b;
                    // a typical ack window: a few holes, a run of acks behind them
                    batch.add(new CursorState(tenant, "bench", topic, p, floor,
                            new long[] {floor + 2, floor + 3, floor + 4, floor + 7, floor + 8}));
                }
                batches.add(batch);
            }
            store.saveCursors(batches.get(0)); // warm the statement path once

            long start = System.nanoTime();
            for (List<CursorState> batch : batches) {
                store.saveCursors(batch);
            }
            long nanos = System.nanoTime() - start;

            LOG.info("saveCursors: {} upserts in {} batches of {} took {} ms: {} upserts/s, {} us per batch",
                    BATCHES * PARTITIONS, BATCHES, PARTITIONS, nanos / 1_000_000,
                    (long) (BATCHES * PARTITIONS / (nanos / 1e9)), nanos / BATCHES / 1000);
            assertThat(store.cursors(tenant, "bench")).hasSize(PARTITIONS)
                    .containsExactlyElementsOf(batches.get(BATCHES - 1));
        }
    }
}
