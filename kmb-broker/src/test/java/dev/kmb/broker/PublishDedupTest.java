package dev.kmb.broker;

import dev.kmb.testing.MutableClock;
import static dev.kmb.broker.BrokerHarness.T;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.Envelope;
import dev.kmb.core.MessageType;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import dev.kmb.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * Publish dedup on a real broker (on each backend) with a clock the test moves: the first receipt for a repeat,
 * nothing appended, expiry, per-topic and disabled windows, repeats inside a batch, concurrent publishes of one id,
 * the window across a restart, redrive's no-dedup publishes, the memory cap, and topics deleted or switched off.
 */
@OnEachBackend
class PublishDedupTest {

    @Parameter
    Backend backend;
    TestPostgres pg; // set for the KAFKA run
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(1_750_000_000_000L);
    BrokerHarness h;

    private void start(BrokerConfig config) {
        h = new BrokerHarness(Backing.of(backend, dir, pg), config.withClock(clock));
    }

    private void start() {
        start(BrokerConfig.defaults());
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private void topic(String name, int partitions, Duration window) {
        h.broker.topics().create(T, TopicName.of(name), TopicSpec.defaults().withPartitions(partitions)
                .withDurability(Durability.DURABLE), window);
    }

    private static Envelope message(String topic, UUID id, String key) {
        Envelope.Builder b = Envelope.builder(TopicName.of(topic), MessageType.EVENT, RawJson.of("{\"n\":1}")).id(id);
        if (key != null) {
            b.key(key);
        }
        return b.build();
    }

    private Receipt publish(Envelope e) {
        return h.publish(e).get(0);
    }

    private long stored(String topic) {
        int partitions = h.broker.topics().get(T, TopicName.of(topic)).spec().partitions();
        long n = 0;
        for (int p = 0; p < partitions; p++) {
            n += h.log.endOffset(new TopicPartition(LogNames.logTopic(T, TopicName.of(topic)), p));
        }
        return n;
    }

    private double duplicates(String topic) {
        var c = h.broker.metrics().registry().find("kmb.messages.duplicates").tag("topic", topic).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aRepeatedIdGetsTheFirstReceiptAndAppendsNothing() {
        start();
        topic("orders", 3, TopicRecord.DEFAULT_DEDUP_WINDOW);
        UUID id = UUID.randomUUID();
        Receipt first = publish(message("orders", id, "k1"));
        clock.advance(Duration.ofSeconds(30));
        Receipt again = publish(message("orders", id, "another-key-same-id"));

        assertThat(first.duplicate()).isFalse();
        assertThat(again).isEqualTo(first.asDuplicate());
        assertThat(again.timestamp()).isEqualTo(first.timestamp());
        assertThat(stored("orders")).isEqualTo(1);
        assertThat(duplicates("orders")).isEqualTo(1);
    }

    @Test
    void theWindowEndsByTheClock() {
        start();
        topic("orders", 1, Duration.ofSeconds(10));
        UUID id = UUID.randomUUID();
        Receipt first = publish(message("orders", id, null));

        clock.advance(Duration.ofMillis(9_999));
        assertThat(publish(message("orders", id, null)).duplicate()).isTrue();
        clock.advance(Duration.ofMillis(1));
        Receipt later = publish(message("orders", id, null));

        assertThat(later.duplicate()).isFalse();
        assertThat(later.offset()).isEqualTo(first.offset() + 1);
        // the later copy starts a window of its own
        assertThat(publish(message("orders", id, null))).isEqualTo(later.asDuplicate());
        assertThat(stored("orders")).isEqualTo(2);
    }

    @Test
    void eachTopicHasItsOwnWindowAndItsOwnIds() {
        start();
        topic("short", 1, Duration.ofSeconds(5));
        topic("long", 1, Duration.ofMinutes(10));
        UUID id = UUID.randomUUID();
        Receipt onShort = publish(message("short", id, null));
        Receipt onLong = publish(message("long", id, null));
        assertThat(onShort.duplicate()).isFalse();
        assertThat(onLong.duplicate()).as("the same id on another topic is not a duplicate").isFalse();

        clock.advance(Duration.ofSeconds(6));
        assertThat(publish(message("short", id, null)).duplicate()).isFalse();
        assertThat(publish(message("long", id, null))).isEqualTo(onLong.asDuplicate());
        assertThat(stored("short")).isEqualTo(2);
        assertThat(stored("long")).isEqualTo(1);
    }

    @Test
    void aZeroWindowTurnsDedupOff() {
        start();
        topic("raw", 1, Duration.ZERO);
        UUID id = UUID.randomUUID();
        Receipt a = publish(message("raw", id, null));
        Receipt b = publish(message("raw", id, null));
        assertThat(b.duplicate()).isFalse();
        assertThat(b.offset()).isEqualTo(a.offset() + 1);
        assertThat(duplicates("raw")).isZero();
    }

    @Test
    void aRepeatInsideOneBatchIsADuplicateOfTheEarlierOne() {
        start();
        topic("orders", 2, TopicRecord.DEFAULT_DEDUP_WINDOW);
        UUID x = UUID.randomUUID();
        UUID y = UUID.randomUUID();
        List<Receipt> r = h.publish(message("orders", x, "a"), message("orders", y, "b"), message("orders", x, "c"),
                message("orders", y, "b"));

        assertThat(r.get(0).duplicate()).isFalse();
        assertThat(r.get(1).duplicate()).isFalse();
        assertThat(r.get(2)).isEqualTo(r.get(0).asDuplicate());
        assertThat(r.get(3)).isEqualTo(r.get(1).asDuplicate());
        assertThat(stored("orders")).isEqualTo(2);
        assertThat(duplicates("orders")).isEqualTo(2);
    }

    @Test
    void aBatchMixingNewAndSeenIdsAppendsOnlyTheNewOnes() {
        start();
        topic("orders", 1, TopicRecord.DEFAULT_DEDUP_WINDOW);
        UUID seen = UUID.randomUUID();
        Receipt first = publish(message("orders", seen, "k"));
        List<Receipt> r = h.publish(message("orders", UUID.randomUUID(), "k"), message("orders", seen, "k"),
                message("orders", UUID.randomUUID(), "k"));

        assertThat(r.get(1)).isEqualTo(first.asDuplicate());
        // the new ones are one batch: consecutive offsets, in request order
        assertThat(r.get(0).offset()).isEqualTo(1);
        assertThat(r.get(2).offset()).isEqualTo(2);
        assertThat(stored("orders")).isEqualTo(3);
    }

    @Test
    void aBatchOfOnlyDuplicatesAppendsNothing() {
        start();
        topic("orders", 1, TopicRecord.DEFAULT_DEDUP_WINDOW);
        Envelope a = message("orders", UUID.randomUUID(), null);
        Envelope b = message("orders", UUID.randomUUID(), null);
        List<Receipt> first = h.publish(a, b);
        List<Receipt> again = h.publish(b, a);
        assertThat(again).containsExactly(first.get(1).asDuplicate(), first.get(0).asDuplicate());
        assertThat(stored("orders")).isEqualTo(2);
    }

    @Test
    void concurrentPublishesOfOneIdAppendItOnce() throws Exception {
        start();
        topic("orders", 4, TopicRecord.DEFAULT_DEDUP_WINDOW);
        int threads = 8;
        int rounds = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < rounds; round++) {
                UUID id = UUID.randomUUID();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Receipt>> answers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    // some alone, some in batches with a fresh id beside them
                    boolean batch = t % 2 == 0;
                    answers.add(pool.submit(() -> {
                        go.await();
                        return batch ? h.publish(message("orders", UUID.randomUUID(), null), message("orders", id, "k")).get(1)
                                : publish(message("orders", id, "k"));
                    }));
                }
                go.countDown();
                List<Receipt> receipts = new ArrayList<>();
                for (Future<Receipt> f : answers) {
                    receipts.add(f.get());
                }
                assertThat(receipts.stream().filter(r -> !r.duplicate()).count()).as("round %d: one append", round).isEqualTo(1);
                Receipt appended = receipts.stream().filter(r -> !r.duplicate()).findFirst().orElseThrow();
                assertThat(receipts).allSatisfy(r -> assertThat(r.asDuplicate()).isEqualTo(appended.asDuplicate()));
            }
        } finally {
            pool.shutdownNow();
        }
        // each round: the id once, plus one fresh id per batch publish
        assertThat(stored("orders")).isEqualTo(rounds * (1 + threads / 2));
    }

    @Test
    void theWindowSurvivesARestart() {
        start();
        topic("orders", 3, Duration.ofSeconds(60));
        UUID early = UUID.randomUUID();
        Receipt earlyReceipt = publish(message("orders", early, "a"));
        clock.advance(Duration.ofSeconds(30));
        List<Receipt> late = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            late.add(publish(message("orders", UUID.randomUUID(), "k" + i)));
        }

        h.restart();
        assertThat(publish(message("orders", early, "a"))).isEqualTo(earlyReceipt.asDuplicate());
        for (Receipt r : late) {
            assertThat(publish(message("orders", r.id(), null))).isEqualTo(r.asDuplicate());
        }
        clock.advance(Duration.ofSeconds(31)); // early's window is over, the late ones' is not
        h.restart();
        assertThat(publish(message("orders", early, "a")).duplicate()).isFalse();
        assertThat(publish(message("orders", late.get(0).id(), null))).isEqualTo(late.get(0).asDuplicate());
        assertThat(stored("orders")).isEqualTo(22);
    }

    @Test
    void aNoDedupPublishAppendsASeenIdAndLaterRepeatsAnswerItsCopy() {
        start();
        topic("orders", 1, TopicRecord.DEFAULT_DEDUP_WINDOW);
        Envelope m = message("orders", UUID.randomUUID(), null);
        Receipt original = publish(m);
        Receipt redriven = h.broker.publisher().publish(T, List.of(m), PublishOptions.NO_DEDUP).join().get(0);
        assertThat(redriven.duplicate()).isFalse();
        assertThat(redriven.offset()).isEqualTo(original.offset() + 1);
        assertThat(publish(m)).isEqualTo(redriven.asDuplicate());
        h.restart(); // a rebuild from the log agrees: the later copy
        assertThat(publish(m)).isEqualTo(redriven.asDuplicate());
    }

    @Test
    void pastTheCapTheOldestIdsAreForgottenAndCounted() {
        start(BrokerConfig.defaults().withDedupMaxIds(128));
        topic("a", 1, TopicRecord.DEFAULT_DEDUP_WINDOW);
        topic("b", 1, TopicRecord.DEFAULT_DEDUP_WINDOW);
        List<Receipt> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            clock.advanceMillis(1);
            sent.add(publish(message(i % 2 == 0 ? "a" : "b", UUID.randomUUID(), null)));
        }
        double evicted = h.broker.metrics().registry().get("kmb.dedup.evicted").counter().count();
        double held = h.broker.metrics().registry().get("kmb.dedup.ids").gauge().value();
        assertThat(evicted).isEqualTo(300 - held);
        assertThat(held).isLessThanOrEqualTo(128);
        Receipt oldest = sent.get(0);
        Receipt newest = sent.get(299);
        assertThat(publish(message(oldest.topic().value(), oldest.id(), null)).duplicate()).as("forgotten early").isFalse();
        assertThat(publish(message(newest.topic().value(), newest.id(), null))).isEqualTo(newest.asDuplicate());

        h.restart(); // the rebuild from the log keeps to the cap too
        assertThat(h.broker.metrics().registry().get("kmb.dedup.ids").gauge().value()).isBetween(1.0, 128.0);
        assertThat(publish(message(newest.topic().value(), newest.id(), null))).isEqualTo(newest.asDuplicate());
        assertThat(publish(message(sent.get(1).topic().value(), sent.get(1).id(), null)).duplicate()).isFalse();
    }

    @Test
    void aTopicDeletedAndCreatedAgainStartsWithNoIds() {
        start();
        topic("orders", 1, TopicRecord.DEFAULT_DEDUP_WINDOW);
        UUID id = UUID.randomUUID();
        publish(message("orders", id, null));
        h.broker.topics().delete(T, TopicName.of("orders"));
        topic("orders", 1, TopicRecord.DEFAULT_DEDUP_WINDOW);
        Receipt r = publish(message("orders", id, null));
        assertThat(r.duplicate()).isFalse();
        assertThat(r.offset()).isZero();
    }

    @Test
    void aWindowChangedByPatchAppliesAtOnceAndSurvivesARestart() {
        start();
        topic("orders", 1, TopicRecord.DEFAULT_DEDUP_WINDOW);
        UUID id = UUID.randomUUID();
        Receipt first = publish(message("orders", id, null));
        TopicInfo off = h.broker.topics().patch(T, TopicName.of("orders"), new TopicPatch(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.of(Duration.ZERO)));
        assertThat(off.dedupWindow()).isZero();
        assertThat(publish(message("orders", id, null)).duplicate()).isFalse();

        h.broker.topics().patch(T, TopicName.of("orders"), new TopicPatch(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.of(Duration.ofSeconds(90))));
        h.restart();
        assertThat(h.broker.topics().get(T, TopicName.of("orders")).dedupWindow()).isEqualTo(Duration.ofSeconds(90));
        // rebuilt from the log: the latest copy is the one remembered
        Receipt again = publish(message("orders", id, null));
        assertThat(again.duplicate()).isTrue();
        assertThat(again.offset()).isEqualTo(first.offset() + 1);
    }

    @Test
    void aClaimWhoseAppendFailedIsFreeForTheNextPublish() {
        start();
        topic("orders", 1, TopicRecord.DEFAULT_DEDUP_WINDOW);
        TopicRecord t = h.broker.topics().require(T, TopicName.of("orders"));
        DedupWindow window = new DedupWindow(h.broker.topics(), h.broker.metrics(), 1000);
        UUID id = UUID.randomUUID();
        DedupWindow.Claims first = window.claim(List.of(new DedupWindow.Ask(t, id)), clock.millis());
        assertThat(first.claimed(0)).isTrue();

        DedupWindow.Claims meanwhile = window.claim(List.of(new DedupWindow.Ask(t, UUID.randomUUID()),
                new DedupWindow.Ask(t, id)), clock.millis());
        CompletableFuture<?> waitFor = meanwhile.waitFor();
        assertThat(waitFor).as("nothing claimed while it must wait").isNotNull();
        assertThat(waitFor).isNotDone();

        window.abandon(first, new int[] {0}); // its append failed
        DedupWindow.landed(first);
        assertThat(waitFor).isDone();
        DedupWindow.Claims retry = window.claim(List.of(new DedupWindow.Ask(t, id)), clock.millis());
        assertThat(retry.claimed(0)).isTrue();

        window.complete(retry, new int[] {0}, 0, 41);
        DedupWindow.landed(retry);
        DedupWindow.Claims dup = window.claim(List.of(new DedupWindow.Ask(t, id)), clock.millis());
        assertThat(dup.claimed(0)).isFalse();
        assertThat(dup.duplicateOf(0)).isEqualTo(new Receipt(id, TopicName.of("orders"), 0, 41, clock.instant(), true));
    }
}
