package dev.kmb.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.broker.spi.DeadLetterRef;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.TopicSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The marks a redrive leaves on dead letters (schema V4): claims, redriven marks, release, prune, cascade; and claims
 * raced by two stores on one database (two bus nodes). Run on each dialect by a subclass.
 */
abstract class DeadLetterMarksContract {

    private static final TenantId ACME = TenantId.of("acme");
    private static final TopicName DLQ = TopicName.of("kmb.system.dlq");
    private static final long NOW = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final long LEASE = 120_000;

    private StoreFixture fixture;
    private JdbcStateStore store;

    /** A fresh, empty database of the dialect under test; called before each test. */
    abstract StoreFixture newFixture();

    @BeforeEach
    void open() {
        fixture = newFixture();
        store = fixture.open(Clock.systemUTC());
        store.createTopic(TopicRecord.create(ACME, DLQ, TopicSpec.defaults(), Instant.ofEpochMilli(NOW)));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static List<DeadLetterRef> refs(long... offsets) {
        return LongStream.of(offsets).mapToObj(o -> new DeadLetterRef(ACME, DLQ, 0, o)).toList();
    }

    private java.util.Set<Long> hidden(long now) {
        return store.hiddenDeadLetters(ACME, DLQ, 0, 0, 100, now - LEASE);
    }

    @Test
    void theSchemaIsAtLeastVersionFour() {
        assertThat(Integer.parseInt(store.schemaVersion())).isGreaterThanOrEqualTo(4);
    }

    @Test
    void aClaimHidesItsDeadLettersAndASecondClaimGetsNoneOfThem() {
        assertThat(store.claimDeadLetters("r1", refs(1, 2, 3), NOW, NOW - LEASE)).isEqualTo(refs(1, 2, 3));
        assertThat(store.claimDeadLetters("r2", refs(2, 3, 4), NOW + 10, NOW + 10 - LEASE)).isEqualTo(refs(4));
        assertThat(hidden(NOW + 10)).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
    }

    @Test
    void concurrentClaimsOfTheSameDeadLettersNeverBothGetOne() throws Exception {
        long[] offsets = LongStream.range(0, 200).toArray();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<DeadLetterRef>>> claims = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String claim = "r" + i;
                claims.add(pool.submit(() -> store.claimDeadLetters(claim, refs(offsets), NOW, NOW - LEASE)));
            }
            List<DeadLetterRef> all = new java.util.ArrayList<>();
            for (Future<List<DeadLetterRef>> f : claims) {
                all.addAll(f.get());
            }
            assertThat(all).hasSize(200).doesNotHaveDuplicates();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoStoresOnOneDatabaseRacingForTheSameDeadLettersEachGetsEveryOneExactlyOnceBetweenThem() throws Exception {
        // Two stores = two connection sets, as two bus nodes have; each side claims from several threads, the
        // selections overlap and come in opposite orders, the way two redrives of a busy dead-letter topic would.
        int deadLetters = 300;
        long[] offsets = LongStream.range(0, deadLetters).toArray();
        long[] reversed = LongStream.range(0, deadLetters).map(o -> deadLetters - 1 - o).toArray();
        try (JdbcStateStore nodeB = fixture.open(Clock.systemUTC())) {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<List<DeadLetterRef>>> claims = new java.util.ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    JdbcStateStore node = i % 2 == 0 ? store : nodeB;
                    long[] selection = i % 3 == 0 ? reversed : offsets;
                    String claim = (node == store ? "a" : "b") + i;
                    claims.add(pool.submit(() -> node.claimDeadLetters(claim, refs(selection), NOW, NOW - LEASE)));
                }
                List<DeadLetterRef> all = new java.util.ArrayList<>();
                for (Future<List<DeadLetterRef>> f : claims) {
                    all.addAll(f.get(60, TimeUnit.SECONDS));
                }
                assertThat(all).hasSize(deadLetters).doesNotHaveDuplicates();
                assertThat(nodeB.hiddenDeadLetters(ACME, DLQ, 0, 0, deadLetters, NOW - LEASE)).hasSize(deadLetters);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void anAbandonedClaimShowsAgainAfterTheLeaseAndMayBeTakenOver() {
        store.claimDeadLetters("crashed", refs(5), NOW, NOW - LEASE);
        long later = NOW + LEASE + 1;
        assertThat(hidden(later)).isEmpty();
        assertThat(store.claimDeadLetters("next", refs(5), later, later - LEASE)).isEqualTo(refs(5));
        store.markRedriven("crashed", refs(5), later); // the dead one's late mark does not count
        assertThat(hidden(later + LEASE + 1)).isEmpty();
        store.markRedriven("next", refs(5), later);
        assertThat(hidden(later + LEASE + 1)).containsExactly(5L);
    }

    @Test
    void redrivenDeadLettersStayHiddenForGoodAndAcrossAReopen() {
        store.claimDeadLetters("r1", refs(7, 8), NOW, NOW - LEASE);
        store.markRedriven("r1", refs(7, 8), NOW);
        store.close();
        store = fixture.open(Clock.systemUTC());
        long muchLater = NOW + 365L * 24 * 3600 * 1000;
        assertThat(hidden(muchLater)).containsExactlyInAnyOrder(7L, 8L);
        assertThat(store.claimDeadLetters("r2", refs(7, 8), muchLater, muchLater - LEASE)).isEmpty();
    }

    @Test
    void aReleasedClaimShowsAgainAndCanBeClaimedAgain() {
        store.claimDeadLetters("r1", refs(1, 2), NOW, NOW - LEASE);
        store.markRedriven("r1", refs(1), NOW);
        store.releaseDeadLetters("r1", refs(2));
        assertThat(hidden(NOW)).containsExactly(1L);
        assertThat(store.claimDeadLetters("r2", refs(1, 2), NOW, NOW - LEASE)).isEqualTo(refs(2));
    }

    @Test
    void pruningForgetsMarksBelowAnOffsetAndLeavesTheRest() {
        store.claimDeadLetters("r1", refs(1, 2, 30), NOW, NOW - LEASE);
        store.markRedriven("r1", refs(1, 2, 30), NOW);
        store.pruneDeadLetterMarks(ACME, DLQ, 0, 10);
        assertThat(hidden(NOW)).containsExactly(30L);
    }

    @Test
    void aNamesakeOfADeletedDeadLetterTopicInheritsNoMarks() {
        store.claimDeadLetters("r1", refs(0, 1), NOW, NOW - LEASE);
        store.markRedriven("r1", refs(0, 1), NOW);
        store.deleteTopic(ACME, DLQ);
        store.createTopic(TopicRecord.create(ACME, DLQ, TopicSpec.defaults(), Instant.ofEpochMilli(NOW)));
        assertThat(hidden(NOW)).isEmpty();
    }

    @Test
    void marksOfOneTenantOrPartitionDoNotHideAnothers() {
        TenantId globex = TenantId.of("globex");
        store.createTopic(TopicRecord.create(globex, DLQ, TopicSpec.defaults(), Instant.ofEpochMilli(NOW)));
        store.claimDeadLetters("r1", List.of(new DeadLetterRef(globex, DLQ, 0, 3), new DeadLetterRef(ACME, DLQ, 1, 3)),
                NOW, NOW - LEASE);
        assertThat(hidden(NOW)).isEmpty();
        assertThat(store.hiddenDeadLetters(globex, DLQ, 0, 0, 100, NOW - LEASE)).containsExactly(3L);
    }
}
