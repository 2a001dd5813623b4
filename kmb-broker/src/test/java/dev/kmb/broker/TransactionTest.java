package dev.kmb.broker;

import dev.kmb.testing.MutableClock;
import static dev.kmb.broker.BrokerHarness.T;
import static dev.kmb.broker.BrokerHarness.take;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.broker.spi.TransactionRecord;
import dev.kmb.broker.spi.TransactionState;
import dev.kmb.core.Envelope;
import dev.kmb.core.MessageType;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import dev.kmb.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * Transactions through the broker, on both backends (Kafka transactions on Kafka): invisible until commit, discarded on
 * rollback and timeout, owned by the node that began them; across a restart the embedded log resumes or rolls them
 * forward, Kafka ends them as its transaction coordinator did.
 */
@OnEachBackend
class TransactionTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    /** How long a test watches for a delivery that must not come. */
    static final Duration QUIET = Duration.ofMillis(300);

    @Parameter
    Backend backend;
    TestPostgres pg; // set for the KAFKA run
    @TempDir
    Path dir;
    BrokerHarness h;
    final MutableClock clock = new MutableClock(1_700_000_000_000L);

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static Envelope inTxn(String topic, String txn, String payload) {
        return Envelope.builder(TopicName.of(topic), MessageType.TRANSACTIONAL, RawJson.of(payload)).transactionId(txn).build();
    }

    private static List<String> payloads(List<Delivery> ds) {
        return ds.stream().map(d -> {
            String json = new String(d.json(), StandardCharsets.UTF_8);
            int at = json.indexOf("\"payload\":");
            return json.substring(at + 10, json.indexOf('}', at) + 1);
        }).toList();
    }

    private TransactionService txns() {
        return h.broker.transactions();
    }


    @Test
    void commitMakesEveryMessageVisibleAcrossTopicsAndTheAckFloorPassesTheMarkers() throws Exception {
        h = new BrokerHarness(Backing.of(backend, dir, pg));
        h.topic("orders.created", 2);
        h.topic("orders.paid", 1);
        h.subscribe("all", "orders.*", SubscriptionMode.SHARED, b -> b.start(StartPosition.EARLIEST));
        TransactionRecord t = txns().begin(T, Optional.empty());
        assertThat(t.timeout()).isEqualTo(Duration.ofSeconds(60));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "all")) {
            List<Receipt> in = h.publish(inTxn("orders.created", t.id(), "{\"n\":1}"), inTxn("orders.paid", t.id(), "{\"n\":2}"));
            assertThat(in).extracting(Receipt::offset).containsExactly(0L, 0L); // real offsets
            h.publish(BrokerHarness.message("orders.paid", null, "{\"n\":3}")); // after the transaction's record
            assertThat(take(s, 1, QUIET)).as("nothing of the open transaction, nor what follows it on its partition").isEmpty();
            assertThat(h.broker.replay(T, TopicName.of("orders.paid"), new ReplayQuery(Optional.of(0), Optional.of(0L), Optional.empty(), Optional.empty(), Optional.empty(), 10)).messages()).isEmpty();

            assertThat(txns().commit(T, t.id()).state()).isEqualTo(TransactionState.COMMITTED);
            List<Delivery> got = take(s, 3, WAIT);
            assertThat(payloads(got)).containsExactlyInAnyOrder("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
            h.broker.subscriptions().ack(T, "all", got.stream().map(Delivery::id).toList()).join();
        }
        assertThat(h.broker.replay(T, TopicName.of("orders.paid"), new ReplayQuery(Optional.of(0), Optional.of(0L), Optional.empty(), Optional.empty(), Optional.empty(), 10)).messages()).hasSize(2);
        for (PartitionLag lag : h.broker.subscriptions().lag(T, "all").join()) {
            assertThat(lag.pending()).as("lag of %s-%d", lag.topic(), lag.partition()).isZero();
        }
        assertThat(txns().get(T, t.id()).state()).isEqualTo(TransactionState.COMMITTED);
        assertThat(txns().commit(T, t.id()).state()).as("commit is idempotent").isEqualTo(TransactionState.COMMITTED);
        assertThatThrownBy(() -> txns().rollback(T, t.id())).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_CLOSED));
        assertThatThrownBy(() -> h.publish(inTxn("orders.paid", t.id(), "{}"))).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_CLOSED));
    }

    @Test
    void rollbackDiscardsTheMessagesAndConsumersGoOnToLaterOnes() throws Exception {
        busWithJobsAndSubscriptionW();
        TransactionRecord t = txns().begin(T, Optional.of(Duration.ofSeconds(5)));
        h.publish(inTxn("jobs", t.id(), "{\"n\":1}"), inTxn("jobs", t.id(), "{\"n\":2}"));
        h.publish(BrokerHarness.message("jobs", null, "{\"n\":3}"));
        assertThat(txns().rollback(T, t.id()).state()).isEqualTo(TransactionState.ABORTED);
        h.publish(BrokerHarness.message("jobs", null, "{\"n\":4}"));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "w")) {
            List<Delivery> got = take(s, 2, WAIT);
            assertThat(payloads(got)).containsExactly("{\"n\":3}", "{\"n\":4}");
            h.broker.subscriptions().ack(T, "w", got.stream().map(Delivery::id).toList()).join();
            assertThat(take(s, 1, QUIET)).isEmpty();
        }
        PartitionLag lag = h.broker.subscriptions().lag(T, "w").join().get(0);
        assertThat(lag.ackFloor()).as("the floor passes the aborted records and the marker").isEqualTo(lag.endOffset());
        assertThat(lag.pending()).isZero();
        assertThat(txns().get(T, t.id()).reason()).isEqualTo("rollback");
    }

    @Test
    void aTransactionLeftOpenPastItsTimeoutIsAbortedAndTheConsumerProceeds() throws Exception {
        h = new BrokerHarness(Backing.of(backend, dir, pg), BrokerConfig.defaults().withClock(clock));
        h.topic("jobs", 1);
        h.subscribe("w", "jobs", SubscriptionMode.SHARED, b -> b.start(StartPosition.EARLIEST));
        TransactionRecord t = txns().begin(T, Optional.of(Duration.ofSeconds(30)));
        h.publish(inTxn("jobs", t.id(), "{\"n\":1}"));
        h.publish(BrokerHarness.message("jobs", null, "{\"n\":2}"));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "w")) {
            assertThat(take(s, 1, QUIET)).isEmpty();
            clock.advance(Duration.ofSeconds(31));
            txns().sweep();
            assertThat(payloads(take(s, 1, WAIT))).containsExactly("{\"n\":2}");
        }
        TransactionRecord after = txns().get(T, t.id());
        assertThat(after.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(after.reason()).isEqualTo("timeout");
        assertThatThrownBy(() -> txns().commit(T, t.id())).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_CLOSED));
    }

    @Test
    void publishesRacingACommitAreEitherAllVisibleAfterItOrRefused() throws Exception {
        h = new BrokerHarness(Backing.of(backend, dir, pg));
        h.topic("race", 3);
        TransactionRecord t = txns().begin(T, Optional.empty());
        java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(4);
        List<Thread> publishers = new java.util.ArrayList<>();
        for (int p = 0; p < 4; p++) {
            int publisher = p;
            publishers.add(Thread.ofVirtual().start(() -> {
                started.countDown();
                for (int i = 0; ; i++) {
                    try {
                        h.publish(inTxn("race", t.id(), "{\"p\":" + publisher + ",\"i\":" + i + "}"));
                        accepted.incrementAndGet();
                    } catch (ProblemException e) {
                        assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_CLOSED);
                        refused.incrementAndGet();
                        return;
                    }
                }
            }));
        }
        started.await();
        while (accepted.get() < 50) {
            Thread.onSpinWait();
        }
        txns().commit(T, t.id());
        for (Thread p : publishers) {
            p.join();
        }
        assertThat(refused.get()).isEqualTo(4);
        int visible = 0;
        for (int p = 0; p < 3; p++) {
            dev.kmb.log.spi.TopicPartition tp = new dev.kmb.log.spi.TopicPartition(LogNames.logTopic(T, TopicName.of("race")), p);
            long next = 0;
            while (true) {
                dev.kmb.log.spi.ReadResult.Records r = (dev.kmb.log.spi.ReadResult.Records) h.log.read(tp, next, 1000, 1 << 20);
                visible += r.entries().size();
                if (r.nextOffset() == next) {
                    break;
                }
                next = r.nextOffset();
            }
            assertThat(h.log.endOffset(tp)).isEqualTo(h.log.highWatermark(tp));
        }
        assertThat(visible).as("every acknowledged publish of the transaction, no more").isEqualTo(accepted.get());
    }

    @Test
    void anExpiredTransactionRefusesPublishesEvenBeforeTheTimerRuns() {
        h = new BrokerHarness(Backing.of(backend, dir, pg), BrokerConfig.defaults().withClock(clock));
        h.topic("jobs", 1);
        TransactionRecord t = txns().begin(T, Optional.of(Duration.ofSeconds(1)));
        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> h.publish(inTxn("jobs", t.id(), "{}"))).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_CLOSED));
        assertThatThrownBy(() -> txns().commit(T, t.id())).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_CLOSED));
        assertThat(txns().get(T, t.id()).state()).isEqualTo(TransactionState.ABORTED);
    }

    @Test
    void badRequestsAreProblems() {
        h = new BrokerHarness(Backing.of(backend, dir, pg));
        h.topic("jobs", 1);
        assertThatThrownBy(() -> txns().get(T, "nope")).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_NOT_FOUND));
        assertThatThrownBy(() -> h.publish(inTxn("jobs", "nope", "{}"))).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_NOT_FOUND));
        assertThatThrownBy(() -> txns().begin(T, Optional.of(Duration.ZERO))).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.VALIDATION_FAILED));
        assertThatThrownBy(() -> txns().begin(T, Optional.of(Duration.ofHours(1)))).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.VALIDATION_FAILED));
        TransactionRecord a = txns().begin(T, Optional.empty());
        TransactionRecord b = txns().begin(T, Optional.empty());
        assertThat(b.producerId()).isGreaterThan(a.producerId());
        assertThatThrownBy(() -> h.publish(inTxn("jobs", a.id(), "{}"), inTxn("jobs", b.id(), "{}")))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.code()).isEqualTo(ProblemCode.VALIDATION_FAILED));
    }

    @Test
    void anOpenTransactionResumesAfterARestartAndADecidedOneIsRolledForward() throws Exception {
        assumeTrue(backend == Backend.EMBEDDED, "a Kafka transaction does not outlive its producer: see the Kafka tests below");
        busWithJobsAndSubscriptionW();
        TransactionRecord open = txns().begin(T, Optional.empty());
        TransactionRecord decided = txns().begin(T, Optional.empty());
        h.publish(inTxn("jobs", open.id(), "{\"n\":1}"));
        h.publish(inTxn("jobs", decided.id(), "{\"n\":2}"));
        // as if the bus died right after storing the commit decision, before any marker
        assertThat(h.store.updateTransaction(decided.with(TransactionState.COMMITTING, "", decided.updatedAt()),
                TransactionState.OPEN)).isTrue();
        h.restart();
        assertThat(txns().get(T, decided.id()).state()).isEqualTo(TransactionState.COMMITTED);
        assertThat(txns().get(T, open.id()).state()).isEqualTo(TransactionState.OPEN);
        long pidAfter = txns().begin(T, Optional.empty()).producerId();
        assertThat(pidAfter).as("producer ids are never reused").isGreaterThan(decided.producerId());
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "w")) {
            assertThat(take(s, 1, QUIET)).as("the open one still holds its partition").isEmpty();
            h.publish(inTxn("jobs", open.id(), "{\"n\":3}"));
            txns().commit(T, open.id());
            assertThat(payloads(take(s, 3, WAIT))).containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
        }
    }

    @Test
    void onKafkaACrashEndsEachUnfinishedTransactionAsKafkasCoordinatorDid() throws Exception {
        assumeTrue(backend == Backend.KAFKA, "the embedded log resumes and rolls forward instead (test above)");
        busWithJobsAndSubscriptionW();
        TransactionRecord open = txns().begin(T, Optional.empty());
        TransactionRecord deciding = txns().begin(T, Optional.empty());
        TransactionRecord committedInKafka = txns().begin(T, Optional.empty());
        h.publish(inTxn("jobs", open.id(), "{\"n\":1}"));
        h.publish(inTxn("jobs", deciding.id(), "{\"n\":2}"));
        h.publish(inTxn("jobs", committedInKafka.id(), "{\"n\":3}"));
        h.publish(BrokerHarness.message("jobs", null, "{\"n\":4}"));
        dev.kmb.log.spi.TopicPartition tp = new dev.kmb.log.spi.TopicPartition(LogNames.logTopic(T, TopicName.of("jobs")), 0);
        // the commit decision stored, then the crash before EndTxn reached Kafka
        assertThat(h.store.updateTransaction(deciding.with(TransactionState.COMMITTING, "", deciding.updatedAt()),
                TransactionState.OPEN)).isTrue();
        // the commit decision stored and EndTxn done in Kafka, then the crash before the outcome was stored
        assertThat(h.store.updateTransaction(committedInKafka.with(TransactionState.COMMITTING, "", committedInKafka.updatedAt()),
                TransactionState.OPEN)).isTrue();
        h.log.writeTxnMarker(tp, committedInKafka.producerId(), dev.kmb.log.spi.TxnMarker.COMMIT).join();

        try (dev.kmb.log.spi.MessageLog zombie = h.crashRestart()) {
            TransactionRecord o = txns().get(T, open.id());
            assertThat(o.state()).isEqualTo(TransactionState.ABORTED);
            assertThat(o.reason()).isEqualTo(TransactionService.REASON_RESTART);
            assertThat(txns().get(T, deciding.id()).state()).as("its EndTxn never reached Kafka: aborted there")
                    .isEqualTo(TransactionState.ABORTED);
            assertThat(txns().get(T, committedInKafka.id()).state()).isEqualTo(TransactionState.COMMITTED);
            try (SubscriptionSession s = h.broker.subscriptions().attach(T, "w")) {
                List<Delivery> got = take(s, 2, WAIT);
                assertThat(payloads(got)).containsExactly("{\"n\":3}", "{\"n\":4}");
                h.broker.subscriptions().ack(T, "w", got.stream().map(Delivery::id).toList()).join();
                assertThat(take(s, 1, QUIET)).isEmpty();
            }
            assertThat(zombie.writeTxnMarker(tp, open.producerId(), dev.kmb.log.spi.TxnMarker.COMMIT))
                    .as("the dead node's producer is fenced: its commit fails").failsWithin(WAIT);
            assertThat(h.broker.replay(T, TopicName.of("jobs"), new ReplayQuery(Optional.of(0), Optional.of(0L),
                    Optional.empty(), Optional.empty(), Optional.empty(), 10)).messages()).hasSize(2);
            PartitionLag lag = h.broker.subscriptions().lag(T, "w").join().get(0);
            assertThat(lag.pending()).isZero();
        }
        assertThat(txns().begin(T, Optional.empty()).producerId()).isGreaterThan(committedInKafka.producerId());
    }

    /** A bus with topic jobs (1 partition) and a shared subscription w on it from the start. */
    private void busWithJobsAndSubscriptionW() throws Exception {
        h = new BrokerHarness(Backing.of(backend, dir, pg));
        h.topic("jobs", 1);
        h.subscribe("w", "jobs", SubscriptionMode.SHARED, b -> b.start(StartPosition.EARLIEST));
    }

    /** A bus with topic jobs, subscription w from the start, an open transaction holding {"n":1}, and a plain {"n":2}. */
    private TransactionRecord oneOpenTransactionBesideAPlainMessage() throws Exception {
        busWithJobsAndSubscriptionW();
        TransactionRecord open = txns().begin(T, Optional.empty());
        h.publish(inTxn("jobs", open.id(), "{\"n\":1}"));
        h.publish(BrokerHarness.message("jobs", null, "{\"n\":2}"));
        return open;
    }

    @Test
    void onKafkaATransactionWhoseProducerWasFencedIsStoredAbortedAndItsCommitRefused() throws Exception {
        assumeTrue(backend == Backend.KAFKA, "only Kafka can take a transaction away from the bus");
        TransactionRecord t = oneOpenTransactionBesideAPlainMessage();
        dev.kmb.log.spi.TopicPartition tp = new dev.kmb.log.spi.TopicPartition(LogNames.logTopic(T, TopicName.of("jobs")), 0);
        // another client takes the transaction's transactional.id: Kafka fences the bus's producer and aborts the transaction
        try (dev.kmb.log.spi.MessageLog usurper = h.backing().openLog(java.time.Clock.systemUTC())) {
            usurper.appendTransactional(tp, List.of(dev.kmb.log.spi.LogRecord.of(Optional.empty(), "{}".getBytes(),
                    List.of(), System.currentTimeMillis())), t.producerId()).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThatThrownBy(() -> txns().commit(T, t.id())).isInstanceOfSatisfying(ProblemException.class,
                    e -> assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_CLOSED));
            TransactionRecord after = txns().get(T, t.id());
            assertThat(after.state()).isEqualTo(TransactionState.ABORTED);
            assertThat(after.reason()).isEqualTo(TransactionService.REASON_LOST);
            assertThatThrownBy(() -> txns().commit(T, t.id())).as("asked again: the same answer, no retry")
                    .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_CLOSED));
            usurper.writeTxnMarker(tp, t.producerId(), dev.kmb.log.spi.TxnMarker.ABORT).get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "w")) {
            assertThat(payloads(take(s, 1, WAIT))).containsExactly("{\"n\":2}");
            assertThat(take(s, 1, QUIET)).as("the fenced transaction's message never shows").isEmpty();
        }
    }

    @Test
    void onKafkaAGracefulRestartAbortsTheOpenTransaction() throws Exception {
        assumeTrue(backend == Backend.KAFKA, "the embedded log resumes it instead (test above)");
        TransactionRecord open = oneOpenTransactionBesideAPlainMessage();
        h.restart();
        assertThat(txns().get(T, open.id()).state()).isEqualTo(TransactionState.ABORTED);
        assertThatThrownBy(() -> h.publish(inTxn("jobs", open.id(), "{}"))).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.TRANSACTION_CLOSED));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "w")) {
            assertThat(payloads(take(s, 1, WAIT))).containsExactly("{\"n\":2}");
            assertThat(take(s, 1, QUIET)).isEmpty();
        }
    }

    @Test
    void twoNodesSharingTheStoreNeverShareAProducerIdAndRefuseEachOthersTransactions() throws Exception {
        h = new BrokerHarness(Backing.of(backend, dir, pg));
        h.topic("jobs", 1);
        Backing backing = h.backing();
        // embedded: the nodes share the one log; Kafka: each node has its own client, as separate processes would
        dev.kmb.log.spi.MessageLog logA = backend == Backend.KAFKA ? backing.openLog(java.time.Clock.systemUTC()) : h.log;
        dev.kmb.log.spi.MessageLog logB = backend == Backend.KAFKA ? backing.openLog(java.time.Clock.systemUTC()) : h.log;
        Broker a = node("node-a", logA);
        Broker b = node("node-b", logB);
        Broker bAgain = null;
        try {
            List<TransactionRecord> begun = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            List<Thread> threads = new java.util.ArrayList<>();
            for (Broker n : List.of(a, b, a, b)) {
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 5; i++) {
                        begun.add(n.transactions().begin(T, Optional.empty()));
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(begun).hasSize(20);
            assertThat(begun.stream().map(TransactionRecord::producerId).distinct()).hasSize(20);

            TransactionRecord onA = a.transactions().begin(T, Optional.empty());
            a.publisher().publish(T, List.of(inTxn("jobs", onA.id(), "{\"n\":1}"))).join();
            assertThatThrownBy(() -> b.publisher().publish(T, List.of(inTxn("jobs", onA.id(), "{}"))).join())
                    .isInstanceOfSatisfying(ProblemException.class, e -> {
                        assertThat(e.code()).isEqualTo(ProblemCode.CONFLICT);
                        assertThat(e.getMessage()).contains("node-a");
                    });
            assertThatThrownBy(() -> b.transactions().commit(T, onA.id())).isInstanceOfSatisfying(ProblemException.class,
                    e -> assertThat(e.getMessage()).contains("node-a"));
            assertThat(b.transactions().get(T, onA.id()).state()).isEqualTo(TransactionState.OPEN);
            assertThat(a.transactions().commit(T, onA.id()).state()).isEqualTo(TransactionState.COMMITTED);
            assertThat(b.transactions().get(T, onA.id()).state()).isEqualTo(TransactionState.COMMITTED);
            assertThat(b.transactions().commit(T, onA.id()).state()).as("idempotent on any node once done")
                    .isEqualTo(TransactionState.COMMITTED);

            TransactionRecord stillOpen = a.transactions().begin(T, Optional.empty());
            a.publisher().publish(T, List.of(inTxn("jobs", stillOpen.id(), "{\"n\":2}"))).join();
            b.close(); // node b restarts: it must leave node a's open transaction alone
            bAgain = node("node-b", logB);
            assertThat(bAgain.transactions().get(T, stillOpen.id()).state()).isEqualTo(TransactionState.OPEN);
            assertThat(a.transactions().commit(T, stillOpen.id()).state()).isEqualTo(TransactionState.COMMITTED);
        } finally {
            a.close();
            b.close();
            if (bAgain != null) {
                bAgain.close();
            }
            if (backend == Backend.KAFKA) {
                logA.close();
                logB.close();
            }
        }
    }

    private Broker node(String id, dev.kmb.log.spi.MessageLog log) {
        return Broker.startCluster(BrokerConfig.defaults(), new ClusterMode(id, Duration.ofMillis(100), Duration.ofMillis(600)),
                TransactionConfig.defaults(), log, h.store, new dev.kmb.core.EnvelopeCodec(),
                new BrokerMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    }
}
