package dev.kmb.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.broker.spi.CursorState;
import dev.kmb.broker.spi.Ordering;
import dev.kmb.broker.spi.PendingRetry;
import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.StateStoreException;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link dev.kmb.broker.spi.StateStore} must do, run against each implementation by a subclass
 * ({@link SqliteStateStoreTest}, {@link PostgresStateStoreTest}) through a {@link StoreFixture}: one fresh database per
 * test. Dialect-only behaviour (files, journal mode, schemas) is tested in the subclasses.
 */
abstract class StateStoreContract {

    static final Instant T0 = Instant.parse("2025-06-01T12:00:00.123Z");
    static final TenantId ACME = TenantId.of("acme");
    private static final TenantId GLOBEX = TenantId.of("globex");
    static final TopicName ORDERS = TopicName.of("orders.created");
    private static final TopicName PAYMENTS = TopicName.of("payments.settled");

    private StoreFixture fixture;
    JdbcStateStore store;

    /** A fresh, empty database of the dialect under test; called before each test. */
    abstract StoreFixture newFixture();

    @BeforeEach
    void open() {
        fixture = newFixture();
        store = fixture.open(Clock.fixed(T0, ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        store.close();
    }

    JdbcStateStore reopen() {
        store.close();
        store = fixture.open(Clock.systemUTC());
        return store;
    }

    static TopicRecord topic(TenantId tenant, TopicName name) {
        return TopicRecord.create(tenant, name, TopicSpec.defaults(), T0);
    }

    static SubscriptionRecord subscription(TenantId tenant, String name) {
        return SubscriptionRecord.builder(tenant, name, TopicPattern.of("#")).build(T0);
    }

    private static CursorState cursor(TenantId tenant, String sub, TopicName topic, int partition, long floor,
                                      long... acked) {
        return new CursorState(tenant, sub, topic, partition, floor, acked);
    }

    // ---- topics

    @Test
    void topicRoundTripsWithEveryField() {
        TopicSpec spec = new TopicSpec(12, Durability.DURABLE, new Retention(86_400_000, 1_000_000, 1L << 40),
                Compression.ZSTD);
        TopicRecord t = new TopicRecord(ACME, ORDERS, spec, T0, T0.plusSeconds(5));

        assertThat(store.createTopic(t)).isTrue();

        assertThat(store.topic(ACME, ORDERS)).contains(t);
        assertThat(reopen().topic(ACME, ORDERS)).contains(t);
    }

    @Test
    void creatingATopicTwiceAnswersFalseAndKeepsTheFirst() {
        TopicRecord first = topic(ACME, ORDERS);
        TopicRecord second = TopicRecord.create(ACME, ORDERS, TopicSpec.defaults().withPartitions(8), T0.plusSeconds(1));

        assertThat(store.createTopic(first)).isTrue();
        assertThat(store.createTopic(second)).isFalse();

        assertThat(store.topic(ACME, ORDERS)).contains(first);
    }

    @Test
    void updateReplacesTheSpecAndKeepsCreatedAt() {
        TopicRecord t = topic(ACME, ORDERS);
        store.createTopic(t);
        TopicSpec changed = t.spec().withPartitions(4).withRetention(Retention.maxAge(Duration.ofDays(7)))
                .withCompression(Compression.GZIP).withDurability(Durability.EPHEMERAL);
        Instant later = T0.plusSeconds(60);

        assertThat(store.updateTopic(new TopicRecord(ACME, ORDERS, changed, T0.plusSeconds(999), later))).isTrue();

        assertThat(store.topic(ACME, ORDERS)).contains(new TopicRecord(ACME, ORDERS, changed, T0, later));
    }

    @Test
    void updateOrDeleteOfAMissingTopicAnswersFalse() {
        assertThat(store.updateTopic(topic(ACME, ORDERS))).isFalse();
        assertThat(store.deleteTopic(ACME, ORDERS)).isFalse();
        assertThat(store.topic(ACME, ORDERS)).isEmpty();
    }

    @Test
    void deletedTopicIsGone() {
        store.createTopic(topic(ACME, ORDERS));
        store.createTopic(topic(ACME, PAYMENTS));

        assertThat(store.deleteTopic(ACME, ORDERS)).isTrue();

        assertThat(store.topic(ACME, ORDERS)).isEmpty();
        assertThat(store.topics(ACME)).extracting(TopicRecord::name).containsExactly(PAYMENTS);
    }

    @Test
    void tenantsDoNotSeeEachOthersTopics() {
        TopicRecord acmeOrders = topic(ACME, ORDERS);
        TopicRecord globexOrders = TopicRecord.create(GLOBEX, ORDERS, TopicSpec.defaults().withPartitions(3), T0);
        TopicRecord globexPayments = topic(GLOBEX, PAYMENTS);

        assertThat(store.createTopic(globexPayments)).isTrue();
        assertThat(store.createTopic(acmeOrders)).isTrue();
        assertThat(store.createTopic(globexOrders)).isTrue();
        store.deleteTopic(ACME, PAYMENTS);

        assertThat(store.topics(ACME)).containsExactly(acmeOrders);
        assertThat(store.topics(GLOBEX)).containsExactly(globexOrders, globexPayments);
        assertThat(store.topics(TenantId.DEFAULT)).isEmpty();
        assertThat(store.topic(GLOBEX, ORDERS)).contains(globexOrders);
        assertThat(store.allTopics()).containsExactly(acmeOrders, globexOrders, globexPayments);
    }

    @Test
    void updatePreservesConfigFieldsWrittenByANewerVersion() throws SQLException {
        store.createTopic(topic(ACME, ORDERS));
        sql("UPDATE topics SET config = '{\"partitions\":1,\"durability\":\"persistent\",\"compression\":\"none\","
                + "\"retention\":{\"max_age_ms\":-1,\"max_messages\":-1,\"max_bytes\":-1},"
                + "\"schema\":{\"subject\":\"orders\"}}'");

        assertThat(store.topic(ACME, ORDERS)).map(TopicRecord::spec).contains(TopicSpec.defaults());
        // a document from before dedup_window_ms reads as the default window
        assertThat(store.topic(ACME, ORDERS)).map(TopicRecord::dedupWindow).contains(TopicRecord.DEFAULT_DEDUP_WINDOW);
        store.updateTopic(topic(ACME, ORDERS).withSpec(TopicSpec.defaults().withPartitions(2), T0));

        assertThat(query("SELECT config FROM topics"))
                .containsExactly("{\"partitions\":2,\"durability\":\"persistent\",\"compression\":\"none\","
                        + "\"retention\":{\"max_age_ms\":-1,\"max_messages\":-1,\"max_bytes\":-1},"
                        + "\"schema\":{\"subject\":\"orders\"},\"dedup_window_ms\":120000}");
    }

    @Test
    void configIsSnakeCaseJsonAndKeysAreColumns() throws SQLException {
        store.createTopic(topic(ACME, ORDERS));
        store.createSubscription(subscription(ACME, "billing"));

        assertThat(query("SELECT tenant || ' ' || name || ' ' || config || ' ' || created_at FROM topics"))
                .containsExactly("acme orders.created {\"partitions\":1,\"durability\":\"persistent\","
                        + "\"compression\":\"none\",\"retention\":{\"max_age_ms\":-1,\"max_messages\":-1,"
                        + "\"max_bytes\":-1},\"dedup_window_ms\":120000} " + T0.toEpochMilli());
        assertThat(query("SELECT tenant || ' ' || name || ' ' || config FROM subscriptions"))
                .containsExactly("acme billing {\"pattern\":\"#\",\"mode\":\"shared\",\"start\":\"latest\","
                        + "\"ack_timeout_ms\":30000,\"max_deliveries\":3,\"backoff_ms\":[1000,5000,15000],"
                        + "\"max_in_flight\":1000,\"ordering\":\"relaxed\",\"dead_letter_expired\":false}");
    }

    @Test
    void corruptConfigIsReportedWithItsKey() throws SQLException {
        store.createTopic(topic(ACME, ORDERS));
        sql("UPDATE topics SET config = '{\"durability\":\"persistent\",\"compression\":\"none\","
                + "\"retention\":{\"max_age_ms\":-1,\"max_messages\":-1,\"max_bytes\":-1}}'");

        assertThatThrownBy(() -> store.topic(ACME, ORDERS))
                .isInstanceOf(StateStoreException.class)
                .hasMessageContaining("corrupt row in topics (acme/orders.created)")
                .hasMessageContaining("'partitions' is missing");
    }

    // ---- subscriptions

    static Stream<SubscriptionRecord> subscriptions() {
        return Stream.of(
                SubscriptionRecord.builder(ACME, "defaults", TopicPattern.of("orders.*")).build(T0),
                SubscriptionRecord.builder(ACME, "from-earliest", TopicPattern.of("#"))
                        .mode(SubscriptionMode.KEY_SHARED).start(StartPosition.EARLIEST).build(T0),
                SubscriptionRecord.builder(ACME, "at.offset_42", TopicPattern.of("a.#.z"))
                        .mode(SubscriptionMode.EXCLUSIVE).start(new StartPosition.AtOffset(42))
                        .ackTimeout(Duration.ofMillis(1500)).maxDeliveries(10).maxInFlight(1)
                        .backoff(List.of()).build(T0),
                SubscriptionRecord.builder(ACME, "AT-TIME", TopicPattern.of("orders.created"))
                        .mode(SubscriptionMode.FAILOVER)
                        .start(new StartPosition.AtTime(Instant.parse("2025-05-31T23:59:59.987654321Z")))
                        .ackTimeout(Duration.ofMinutes(10)).maxDeliveries(1).maxInFlight(100_000)
                        .backoff(List.of(Duration.ZERO, Duration.ofMillis(250), Duration.ofHours(1))).build(T0),
                SubscriptionRecord.builder(ACME, "dead-letters", TopicPattern.of("orders.#"))
                        .mode(SubscriptionMode.KEY_SHARED).ordering(Ordering.RELAXED)
                        .deadLetterTopic(Optional.of(TopicName.of("orders.dead"))).deadLetterExpired(true).build(T0));
    }

    @Test
    void aSubscriptionStoredBeforeTheDeliveryPolicySettingsReadsWithTheirDefaults() throws Exception {
        // a row as version 0.1 wrote it: no ordering, dead_letter_topic or dead_letter_expired
        sql("INSERT INTO subscriptions (tenant, name, config, created_at) VALUES ('acme', 'old', "
                + "'{\"pattern\":\"#\",\"mode\":\"exclusive\",\"start\":\"latest\",\"ack_timeout_ms\":30000,"
                + "\"max_deliveries\":3,\"backoff_ms\":[1000],\"max_in_flight\":10}', 0)");

        SubscriptionRecord old = store.subscription(ACME, "old").orElseThrow();

        assertThat(old.ordering()).isEqualTo(Ordering.STRICT);
        assertThat(old.deadLetterTopic()).isEmpty();
        assertThat(old.deadLetterExpired()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("subscriptions")
    void subscriptionRoundTripsWithEveryField(SubscriptionRecord s) {
        assertThat(store.createSubscription(s)).isTrue();

        assertThat(store.subscription(ACME, s.name())).contains(s);
        assertThat(reopen().subscription(ACME, s.name())).contains(s);
    }

    @Test
    void creatingASubscriptionTwiceAnswersFalseAndKeepsTheFirst() {
        SubscriptionRecord first = subscription(ACME, "billing");
        SubscriptionRecord second = SubscriptionRecord.builder(ACME, "billing", TopicPattern.of("other")).build(T0);

        assertThat(store.createSubscription(first)).isTrue();
        assertThat(store.createSubscription(second)).isFalse();

        assertThat(store.subscription(ACME, "billing")).contains(first);
    }

    @Test
    void tenantsDoNotSeeEachOthersSubscriptions() {
        List<SubscriptionRecord> all = subscriptions().toList();
        all.forEach(store::createSubscription);
        SubscriptionRecord globexBilling = subscription(GLOBEX, "billing");
        SubscriptionRecord globexDefaults = subscription(GLOBEX, "defaults");
        assertThat(store.createSubscription(globexDefaults)).isTrue();
        assertThat(store.createSubscription(globexBilling)).isTrue();

        assertThat(store.subscriptions(ACME)).extracting(SubscriptionRecord::name)
                .containsExactly("AT-TIME", "at.offset_42", "dead-letters", "defaults", "from-earliest");
        assertThat(store.subscriptions(GLOBEX)).containsExactly(globexBilling, globexDefaults);
        assertThat(store.subscription(GLOBEX, "defaults")).contains(globexDefaults);
        assertThat(store.allSubscriptions()).hasSize(7)
                .startsWith(store.subscriptions(ACME).toArray(SubscriptionRecord[]::new));
        assertThat(store.deleteSubscription(GLOBEX, "defaults")).isTrue();
        assertThat(store.subscription(ACME, "defaults")).isPresent();
        assertThat(store.deleteSubscription(GLOBEX, "defaults")).isFalse();
    }

    // ---- cursors

    @Test
    void savedCursorsAreUpsertedAndSurviveReopen() {
        store.createTopic(topic(ACME, ORDERS));
        store.createTopic(topic(ACME, PAYMENTS));
        store.createSubscription(subscription(ACME, "billing"));
        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 10, 12, 13, 20),
                cursor(ACME, "billing", ORDERS, 1, 0)));

        CursorState moved = cursor(ACME, "billing", ORDERS, 0, 21, 25);
        CursorState payments = cursor(ACME, "billing", PAYMENTS, 0, 1_000_000_000_000L, 1_000_000_000_002L);
        store.saveCursors(List.of(payments, moved));

        List<CursorState> expected = List.of(moved, cursor(ACME, "billing", ORDERS, 1, 0), payments);
        assertThat(store.cursors(ACME, "billing")).containsExactlyElementsOf(expected);
        assertThat(reopen().cursors(ACME, "billing")).containsExactlyElementsOf(expected);
    }

    @Test
    void cursorMayMoveBackwardsForASeek() {
        store.createTopic(topic(ACME, ORDERS));
        store.createSubscription(subscription(ACME, "billing"));
        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 500, 502)));

        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 7)));

        assertThat(store.cursors(ACME, "billing")).containsExactly(cursor(ACME, "billing", ORDERS, 0, 7));
    }

    @Test
    void deletingATopicDeletesItsCursorsOnly() {
        store.createTopic(topic(ACME, ORDERS));
        store.createTopic(topic(ACME, PAYMENTS));
        store.createSubscription(subscription(ACME, "billing"));
        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 5), cursor(ACME, "billing", PAYMENTS, 0, 9)));

        store.deleteTopic(ACME, ORDERS);
        store.createTopic(topic(ACME, ORDERS)); // a namesake must start without the old topic's acks

        assertThat(store.cursors(ACME, "billing")).containsExactly(cursor(ACME, "billing", PAYMENTS, 0, 9));
    }

    @Test
    void deletingASubscriptionDeletesItsCursorsOnly() {
        store.createTopic(topic(ACME, ORDERS));
        store.createSubscription(subscription(ACME, "billing"));
        store.createSubscription(subscription(ACME, "audit"));
        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 5), cursor(ACME, "audit", ORDERS, 0, 9)));

        assertThat(store.deleteSubscription(ACME, "billing")).isTrue();
        store.createSubscription(subscription(ACME, "billing"));

        assertThat(store.cursors(ACME, "billing")).isEmpty();
        assertThat(store.cursors(ACME, "audit")).containsExactly(cursor(ACME, "audit", ORDERS, 0, 9));
    }

    @Test
    void cursorsOfADeletedTopicOrSubscriptionAreSkippedNotFailed() {
        store.createTopic(topic(ACME, ORDERS));
        store.createSubscription(subscription(ACME, "billing"));

        store.saveCursors(List.of(cursor(ACME, "billing", PAYMENTS, 0, 5), cursor(ACME, "gone", ORDERS, 0, 5),
                cursor(GLOBEX, "billing", ORDERS, 0, 5), cursor(ACME, "billing", ORDERS, 3, 8)));

        assertThat(store.cursors(ACME, "billing")).containsExactly(cursor(ACME, "billing", ORDERS, 3, 8));
        assertThat(store.cursors(ACME, "gone")).isEmpty();
        assertThat(store.cursors(GLOBEX, "billing")).isEmpty();
    }

    @Test
    void tenantsDoNotSeeEachOthersCursors() {
        for (TenantId t : List.of(ACME, GLOBEX)) {
            store.createTopic(topic(t, ORDERS));
            store.createSubscription(subscription(t, "billing"));
        }
        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 5), cursor(GLOBEX, "billing", ORDERS, 0, 9)));

        store.deleteTopic(GLOBEX, ORDERS);

        assertThat(store.cursors(ACME, "billing")).containsExactly(cursor(ACME, "billing", ORDERS, 0, 5));
        assertThat(store.cursors(GLOBEX, "billing")).isEmpty();
    }

    @Test
    void aFailedSaveStoresNothingOfItsBatch() throws SQLException {
        store.createTopic(topic(ACME, ORDERS));
        store.createSubscription(subscription(ACME, "billing"));
        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 5)));
        // A trigger stands in for a disk error on the second row of the batch.
        fixture.failInsertsOfPartitionOne();

        assertThatThrownBy(() -> store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 50),
                cursor(ACME, "billing", ORDERS, 1, 50))))
                .isInstanceOf(StateStoreException.class).hasMessageContaining("save 2 cursors");

        assertThat(store.cursors(ACME, "billing")).containsExactly(cursor(ACME, "billing", ORDERS, 0, 5));
    }

    @Test
    void aSeekKeepsItsCursorsOverWritesOfAnOlderGeneration() {
        store.createTopic(topic(ACME, ORDERS));
        store.createSubscription(subscription(ACME, "billing"));
        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 50), cursor(ACME, "billing", ORDERS, 1, 60)));
        assertThat(store.seekGeneration(ACME, "billing")).isZero();

        long generation = store.beginSeek(ACME, "billing", List.of(cursor(ACME, "billing", ORDERS, 0, 3),
                cursor(ACME, "billing", ORDERS, 1, 4)));
        assertThat(generation).isEqualTo(1);
        assertThat(store.seekGeneration(ACME, "billing")).isEqualTo(1);
        assertThat(store.cursors(ACME, "billing")).extracting(CursorState::ackFloor, CursorState::seekGeneration)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(3L, 1L), org.assertj.core.groups.Tuple.tuple(4L, 1L));

        // a node that has not heard of the seek writes its old position: the seek's cursor stays
        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 55)));
        assertThat(store.cursors(ACME, "billing").get(0).ackFloor()).isEqualTo(3);
        // one that has, moves it on
        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 9).withSeekGeneration(1)));
        assertThat(store.cursors(ACME, "billing").get(0).ackFloor()).isEqualTo(9);

        assertThat(store.beginSeek(ACME, "billing", List.of())).isEqualTo(2);
        assertThatThrownBy(() -> store.beginSeek(ACME, "nobody", List.of())).isInstanceOf(StateStoreException.class);
        assertThat(store.seekGeneration(ACME, "nobody")).isZero();
    }

    @Test
    void retriesRoundTripWithTheirHistory() {
        store.createTopic(topic(ACME, ORDERS));
        store.createSubscription(subscription(ACME, "billing"));
        List<PendingRetry> retries = List.of(
                new PendingRetry(12, 1, 1_700_000_001_000L, List.of(new PendingRetry.Attempt(1_700_000_000_000L, "member-1", "nack"))),
                new PendingRetry(14, 2, 1_700_000_009_000L, List.of(
                        new PendingRetry.Attempt(1_700_000_000_500L, "member-2", "ack_timeout"),
                        new PendingRetry.Attempt(1_700_000_004_000L, "member \"3\"", "carte refusée \\ \u0001 ✗"))));
        CursorState saved = new CursorState(ACME, "billing", ORDERS, 0, 10, new long[] {11, 13}, retries);
        store.saveCursors(List.of(saved));

        assertThat(store.cursors(ACME, "billing")).singleElement().satisfies(c -> {
            assertThat(c.retries()).isEqualTo(retries);
            assertThat(c).isEqualTo(saved);
        });
    }

    @Test
    void cursorUpdatedAtComesFromTheClock() throws SQLException {
        store.createTopic(topic(ACME, ORDERS));
        store.createSubscription(subscription(ACME, "billing"));
        store.saveCursors(List.of(cursor(ACME, "billing", ORDERS, 0, 5, 7)));

        assertThat(query("SELECT ack_floor || ' ' || acked_above || ' ' || updated_at FROM cursors"))
                .containsExactly("5 " + AckedSetCodecProperties.encode(5, new long[] {7}) + " " + T0.toEpochMilli());
    }

    @Test
    void concurrentCallersAllLand() throws Exception {
        int threads = 16;
        int rounds = 50;
        store.createSubscription(subscription(ACME, "billing"));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                TopicName name = TopicName.of("load.t" + t);
                done.add(pool.submit(() -> {
                    store.createTopic(topic(ACME, name));
                    for (int r = 0; r < rounds; r++) {
                        store.saveCursors(List.of(cursor(ACME, "billing", name, 0, r),
                                cursor(ACME, "billing", name, 1, r)));
                        assertThat(store.topics(ACME)).isNotEmpty();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        }

        assertThat(store.topics(ACME)).hasSize(threads);
        assertThat(store.cursors(ACME, "billing")).hasSize(2 * threads)
                .allSatisfy(c -> assertThat(c.ackFloor()).isEqualTo(rounds - 1));
    }

    // ---- transactions

    private static dev.kmb.broker.spi.TransactionRecord txn(String id, long producerId, String node) {
        return new dev.kmb.broker.spi.TransactionRecord(ACME, id, producerId, dev.kmb.broker.spi.TransactionState.OPEN, "",
                java.time.Duration.ofSeconds(60), T0, T0.plusSeconds(60), T0, node);
    }

    @Test
    void aTransactionRoundTripsWithItsNodeAndATakenProducerIdIsRefusedOnEveryStoreOfTheDatabase() {
        try (JdbcStateStore second = fixture.open(Clock.systemUTC())) {
            assertThat(store.createTransaction(txn("t1", 1, "node-a"))).isTrue();
            assertThat(second.createTransaction(txn("t2", 1, "node-b"))).as("producer id 1 is node-a's").isFalse();
            assertThat(second.maxProducerId()).isEqualTo(1);
            assertThat(second.createTransaction(txn("t2", 2, "node-b"))).isTrue();
            assertThat(store.transaction(ACME, "t1")).contains(txn("t1", 1, "node-a"));
            assertThat(store.transaction(ACME, "t2").map(dev.kmb.broker.spi.TransactionRecord::node)).contains("node-b");
            assertThat(store.unfinishedTransactions()).extracting(dev.kmb.broker.spi.TransactionRecord::node)
                    .containsExactly("node-a", "node-b");
            assertThat(store.createTransaction(txn("t1", 3, "node-a"))).as("the id is taken").isFalse();
        }
    }

    // ---- several stores on one database (several bus nodes, or a node and an offline tool)

    @Test
    void secondStoreOnTheSameDatabaseSeesAndMakesCommits() {
        try (JdbcStateStore second = fixture.open(Clock.systemUTC())) {
            store.createTopic(topic(ACME, ORDERS));
            assertThat(second.topic(ACME, ORDERS)).isPresent();

            assertThat(second.createTopic(topic(ACME, PAYMENTS))).isTrue();
            assertThat(store.createTopic(topic(ACME, PAYMENTS))).isFalse();
            assertThat(store.topics(ACME)).hasSize(2);
        }
    }

    @Test
    void twoStoresCreatingTheSameTopicsAtOnceEachGetsEveryTopicOnceBetweenThem() throws Exception {
        int topics = 50;
        try (JdbcStateStore second = fixture.open(Clock.systemUTC());
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<List<TopicName>>> created = new ArrayList<>();
            for (JdbcStateStore s : List.of(store, second, store, second)) {
                created.add(pool.submit(() -> {
                    List<TopicName> mine = new ArrayList<>();
                    for (int i = 0; i < topics; i++) {
                        TopicName name = TopicName.of("race.t" + i);
                        if (s.createTopic(topic(ACME, name))) {
                            mine.add(name);
                        }
                    }
                    return mine;
                }));
            }
            List<TopicName> all = new ArrayList<>();
            for (Future<List<TopicName>> f : created) {
                all.addAll(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(all).hasSize(topics).doesNotHaveDuplicates();
        }
    }

    @Test
    void twoStoresSavingOverlappingCursorsInOppositeOrdersNeitherFailsNorLosesARow() throws Exception {
        int partitions = 40;
        int rounds = 30;
        store.createTopic(topic(ACME, ORDERS));
        store.createSubscription(subscription(ACME, "billing"));
        try (JdbcStateStore second = fixture.open(Clock.systemUTC());
             ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<Future<?>> done = new ArrayList<>();
            for (JdbcStateStore s : List.of(store, second)) {
                boolean reversed = s == second;
                done.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        List<CursorState> batch = new ArrayList<>();
                        for (int p = 0; p < partitions; p++) {
                            batch.add(cursor(ACME, "billing", ORDERS, reversed ? partitions - 1 - p : p, r));
                        }
                        s.saveCursors(batch);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        }

        assertThat(store.cursors(ACME, "billing")).hasSize(partitions)
                .allSatisfy(c -> assertThat(c.ackFloor()).isEqualTo(rounds - 1));
    }

    @Test
    void aTopicDeletedWhileAnotherStoreSavesItsCursorsLeavesNoCursorBehind() throws Exception {
        store.createSubscription(subscription(ACME, "billing"));
        try (JdbcStateStore second = fixture.open(Clock.systemUTC());
             ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 20; round++) {
                TopicName name = TopicName.of("churn.t" + round);
                store.createTopic(topic(ACME, name));
                Future<?> saver = pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        second.saveCursors(List.of(cursor(ACME, "billing", name, 0, i), cursor(ACME, "billing", name, 1, i)));
                    }
                    return null;
                });
                Future<Boolean> deleter = pool.submit(() -> store.deleteTopic(ACME, name));
                saver.get(60, TimeUnit.SECONDS); // never fails: a cursor of a deleted topic is skipped
                assertThat(deleter.get(60, TimeUnit.SECONDS)).isTrue();
            }
        }

        assertThat(store.cursors(ACME, "billing")).isEmpty();
    }

    @Test
    void closedStoreFailsClearlyAndClosesTwiceQuietly() {
        store.close();
        store.close();

        assertThatThrownBy(() -> store.topics(ACME)).isInstanceOf(StateStoreException.class)
                .hasMessageContaining("is closed");
        store = fixture.open(Clock.systemUTC()); // for @AfterEach
    }

    // ---- raw SQL on the database, as an operator's sqlite3 or psql shell would see it

    void sql(String statement) throws SQLException {
        try (Connection c = fixture.connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    List<String> query(String select) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = fixture.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(select)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    // ---- subscription leases (cluster mode: one node serves an exclusive or failover subscription)

    @Test
    void aLeaseIsHeldByOneNodeUntilItExpiresEvenAcrossStores() {
        try (JdbcStateStore otherNode = fixture.open(Clock.systemUTC())) {
            assertThat(store.acquireLease(ACME, "pager", "node-a", 1_000, 500)).isTrue();
            assertThat(otherNode.acquireLease(ACME, "pager", "node-b", 1_400, 500)).isFalse();
            assertThat(otherNode.acquireLease(ACME, "pager", "node-b", 1_500, 500)).isTrue(); // expired at 1 500
            assertThat(store.acquireLease(ACME, "pager", "node-a", 1_600, 500)).isFalse();
        }
    }

    @Test
    void theHolderRenewsItsLease() {
        assertThat(store.acquireLease(ACME, "pager", "node-a", 1_000, 500)).isTrue();
        assertThat(store.acquireLease(ACME, "pager", "node-a", 1_400, 500)).isTrue(); // now until 1 900
        assertThat(store.acquireLease(ACME, "pager", "node-b", 1_800, 500)).isFalse();
    }

    @Test
    void aReleasedLeaseIsFreeAtOnceAndOnlyItsHolderCanReleaseIt() {
        assertThat(store.acquireLease(ACME, "pager", "node-a", 1_000, 10_000)).isTrue();
        store.releaseLease(ACME, "pager", "node-b"); // not the holder: nothing happens
        assertThat(store.acquireLease(ACME, "pager", "node-b", 1_001, 10_000)).isFalse();
        store.releaseLease(ACME, "pager", "node-a");
        assertThat(store.acquireLease(ACME, "pager", "node-b", 1_002, 10_000)).isTrue();
    }

    @Test
    void leasesAreKeptPerTenantAndSubscriptionAndGoWithTheSubscription() {
        assertThat(store.acquireLease(ACME, "pager", "node-a", 1_000, 10_000)).isTrue();
        assertThat(store.acquireLease(ACME, "ledger", "node-b", 1_000, 10_000)).isTrue();
        assertThat(store.acquireLease(GLOBEX, "pager", "node-b", 1_000, 10_000)).isTrue();
        store.createSubscription(SubscriptionRecord.builder(ACME, "pager", TopicPattern.of("alerts")).build(T0));
        store.deleteSubscription(ACME, "pager");
        assertThat(store.acquireLease(ACME, "pager", "node-b", 1_001, 10_000)).isTrue();
    }
}
