package dev.kmb.broker;

import dev.kmb.testing.MutableClock;
import static dev.kmb.broker.BrokerHarness.T;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import dev.kmb.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * Replay, snapshots and topic specs on both backends: what they do alike, and where the Kafka backend must differ
 * (docs/cluster.md, "Where cluster mode differs"), asserted on each.
 */
@OnEachBackend
class BackendParityTest {

    @Parameter
    Backend backend;
    TestPostgres pg; // set for the KAFKA run
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(1_750_000_000_000L);
    BrokerHarness h;

    @BeforeEach
    void start() {
        h = new BrokerHarness(Backing.of(backend, dir, pg), BrokerConfig.defaults().withClock(clock));
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static ReplayQuery fromOffset(int partition, long offset) {
        return new ReplayQuery(Optional.of(partition), Optional.of(offset), Optional.empty(), Optional.empty(),
                Optional.empty(), ReplayQuery.MAX_LIMIT);
    }

    private static ReplayQuery between(Instant from, Instant to) {
        return new ReplayQuery(Optional.empty(), Optional.empty(), Optional.of(from), Optional.of(to), Optional.empty(),
                ReplayQuery.MAX_LIMIT);
    }

    /** The payloads of a replay page, in page order. */
    private static List<String> payloads(ReplayPage page) {
        List<String> out = new ArrayList<>();
        for (byte[] m : page.messages()) {
            String json = new String(m, StandardCharsets.UTF_8);
            int at = json.indexOf("\"payload\":") + "\"payload\":".length();
            out.add(json.substring(at, json.indexOf('}', at) + 1));
        }
        return out;
    }

    private List<String> all(String topic) {
        return payloads(h.broker.replay(T, TopicName.of(topic), between(Instant.EPOCH, Instant.parse("2999-01-01T00:00:00Z"))));
    }

    @Test
    void aBatchLandsOnConsecutiveOffsetsOfItsPartitionAndReplaysByOffset() {
        h.topic("jobs", 1);
        List<Receipt> receipts = h.publishMany("jobs", null, 5);
        assertThat(receipts).extracting(Receipt::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(receipts).extracting(Receipt::duplicate).containsOnly(false);

        assertThat(payloads(h.broker.replay(T, TopicName.of("jobs"), fromOffset(0, 2))))
                .containsExactly("{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
    }

    @Test
    void replayByTimeUsesTheTimesTheBusStampedWithItsClock() {
        h.topic("jobs", 2);
        Instant first = clock.instant();
        h.publishMany("jobs", null, 2); // n 0, 1
        clock.advance(Duration.ofMinutes(1));
        Instant second = clock.instant();
        h.publish(BrokerHarness.message("jobs", null, "{\"n\":2}"));
        clock.advance(Duration.ofMinutes(1));
        h.publish(BrokerHarness.message("jobs", null, "{\"n\":3}"));

        assertThat(payloads(h.broker.replay(T, TopicName.of("jobs"), between(first, first))))
                .containsExactlyInAnyOrder("{\"n\":0}", "{\"n\":1}");
        assertThat(payloads(h.broker.replay(T, TopicName.of("jobs"), between(second, second.plusSeconds(59)))))
                .containsExactly("{\"n\":2}");
        assertThat(all("jobs")).hasSize(4).endsWith("{\"n\":3}");
    }

    @Test
    void aSnapshotRestoredIntoANewTopicReadsBackMessageForMessage() {
        h.topic("orders", 2);
        h.publishMany("orders", "k1", 3);
        h.publishMany("orders", "k2", 3);
        SnapshotService snapshots = SnapshotService.open(dir.resolve("snapshots"), h.broker, h.log, new EnvelopeCodec(), clock);
        SnapshotInfo taken = snapshots.create(T, TopicName.of("orders"));
        assertThat(taken.manifest().messageCount()).isEqualTo(6);

        RestoreResult restored = snapshots.restore(T, taken.id(), Optional.of(TopicName.of("orders.copy")));
        assertThat(restored.topicCreated()).isTrue();
        assertThat(restored.restored()).isEqualTo(6);
        assertThat(all("orders.copy")).containsExactlyInAnyOrderElementsOf(all("orders"));
    }

    @Test
    void aSpecTheKafkaLogCannotHoldIsRefusedThereWith422AndNoTopicIsLeft() {
        TopicSpec brotli = TopicSpec.defaults().withCompression(Compression.BROTLI);
        TopicSpec maxMessages = TopicSpec.defaults().withRetention(new Retention(Retention.UNLIMITED, 100, Retention.UNLIMITED));
        if (backend == Backend.EMBEDDED) {
            assertThat(h.broker.topics().create(T, TopicName.of("b"), brotli).spec().compression()).isEqualTo(Compression.BROTLI);
            assertThat(h.broker.topics().create(T, TopicName.of("m"), maxMessages).spec().retention().maxMessages()).isEqualTo(100);
            return;
        }
        for (TopicSpec refused : List.of(brotli, maxMessages)) {
            assertThatThrownBy(() -> h.broker.topics().create(T, TopicName.of("refused"), refused))
                    .isInstanceOfSatisfying(ProblemException.class, e -> {
                        assertThat(e.code()).isEqualTo(ProblemCode.INVALID_FIELD);
                        assertThat(e.code().status()).isEqualTo(422);
                    });
            assertThat(h.broker.topics().list(T)).extracting(TopicInfo::name).doesNotContain(TopicName.of("refused"));
        }
    }

    @Test
    void anEphemeralTopicLosesItsMessagesOnARestartOnlyOnTheEmbeddedLog() {
        h.broker.topics().create(T, TopicName.of("chatter"), TopicSpec.defaults().withDurability(Durability.EPHEMERAL));
        h.publishMany("chatter", null, 3);
        assertThat(all("chatter")).hasSize(3);

        h.restart();

        assertThat(h.broker.topics().get(T, TopicName.of("chatter")).spec().durability()).isEqualTo(Durability.EPHEMERAL);
        // the embedded log keeps an ephemeral topic in memory; Kafka has no memory-only topics and stores it as durable
        assertThat(all("chatter")).hasSize(backend == Backend.KAFKA ? 3 : 0);
    }
}
