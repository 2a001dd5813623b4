package dev.kmb.broker;

import dev.kmb.testing.MutableClock;
import static dev.kmb.broker.BrokerHarness.T;
import static dev.kmb.broker.BrokerHarness.take;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.broker.spi.Ordering;
import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.core.Envelope;
import dev.kmb.core.MessageType;
import dev.kmb.core.Metadata;
import dev.kmb.core.Priority;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import dev.kmb.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * The delivery policies on a real broker (on each backend) with a clock the test moves: retry ladder and
 * term, strict ordering through retries, ttl, priority, delayed delivery, and the retry schedule across a restart.
 */
@OnEachBackend
class DeliveryPoliciesTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final Duration QUIET = Duration.ofMillis(300);

    @Parameter
    Backend backend;
    TestPostgres pg; // set for the KAFKA run
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(1_750_000_000_000L);
    final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    BrokerHarness h;

    @BeforeEach
    void start() {
        h = new BrokerHarness(Backing.of(backend, dir, pg), BrokerConfig.defaults().withClock(clock), deadLetters);
        h.topic("jobs", 1);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private void subscribe(String name, SubscriptionMode mode, Consumer<dev.kmb.broker.spi.SubscriptionRecord.Builder> tune) {
        h.subscribe(name, "jobs", mode, b -> {
            b.start(StartPosition.EARLIEST);
            tune.accept(b);
        });
    }

    private static Envelope job(String key, String payload, Metadata metadata) {
        Envelope.Builder b = Envelope.builder(TopicName.of("jobs"), MessageType.EVENT, RawJson.of(payload)).metadata(metadata);
        if (key != null) {
            b.key(key);
        }
        return b.build();
    }

    /** Moves the clock and lets the subscription act on its timers before the test goes on. */
    private void advance(String subscription, Duration d) {
        clock.advance(d);
        h.broker.subscriptions().tick(T, subscription).join();
    }

    private static List<String> payloads(List<Delivery> ds) {
        List<String> out = new ArrayList<>();
        for (Delivery d : ds) {
            String json = new String(d.json(), java.nio.charset.StandardCharsets.UTF_8);
            int at = json.indexOf("\"payload\":") + "\"payload\":".length();
            out.add(json.substring(at, json.indexOf('}', at) + 1));
        }
        return out;
    }

    private double counter(String name, String reason) {
        var search = h.broker.metrics().registry().find(name);
        if (reason != null) {
            search = search.tag("reason", reason);
        }
        var c = search.counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aMessageIsTriedMaxDeliveriesTimesWithItsBackoffThenDeadLetteredWithItsHistory() throws Exception {
        subscribe("ladder", SubscriptionMode.SHARED, b -> b.maxDeliveries(3)
                .backoff(List.of(Duration.ofSeconds(1), Duration.ofSeconds(5))));
        h.publish(job("k", "{\"n\":1}", Metadata.EMPTY));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "ladder")) {
            Delivery first = take(s, 1, WAIT).get(0);
            assertThat(first.attempt()).isEqualTo(1);
            h.broker.subscriptions().nack(T, "ladder", List.of(first.id()), Optional.empty(), Optional.of("db down")).join();

            advance("ladder", Duration.ofMillis(999));
            assertThat(take(s, 1, QUIET)).as("not before the first backoff step").isEmpty();
            advance("ladder", Duration.ofMillis(1));
            Delivery second = take(s, 1, WAIT).get(0);
            assertThat(second.attempt()).isEqualTo(2);
            assertThat(second.id()).isEqualTo(first.id());

            advance("ladder", Duration.ofSeconds(31)); // ack_timeout (30 s) ends the second attempt
            advance("ladder", Duration.ofMillis(4_999));
            assertThat(take(s, 1, QUIET)).as("the second backoff step is 5 s").isEmpty();
            advance("ladder", Duration.ofMillis(1));
            Delivery third = take(s, 1, WAIT).get(0);
            assertThat(third.attempt()).isEqualTo(3);
            h.broker.subscriptions().nack(T, "ladder", List.of(third.id()), Optional.empty(), Optional.empty()).join();

            waitFor(() -> deadLetters.size() == 1);
            DeadLetter dl = deadLetters.get(0);
            assertThat(dl.reason()).isEqualTo(DeadLetter.Reason.MAX_DELIVERIES);
            assertThat(dl.subscription()).isEqualTo("ladder");
            assertThat(dl.id()).isEqualTo(first.id());
            assertThat(dl.attempts()).extracting(DeadLetter.DeliveryAttempt::outcome)
                    .containsExactly("db down", "ack_timeout", "nack");
            assertThat(new String(dl.original(), java.nio.charset.StandardCharsets.UTF_8)).contains("\"payload\":{\"n\":1}");
            advance("ladder", Duration.ofMinutes(10));
            assertThat(take(s, 1, QUIET)).as("a dead-lettered message is not delivered again").isEmpty();
            assertThat(h.broker.subscriptions().lag(T, "ladder").join().get(0).pending()).isZero();
            assertThat(counter("kmb.messages.dead_lettered", "max_deliveries")).isEqualTo(1);
        }
    }

    @Test
    void termDeadLettersAtOnceWithTheConsumersReason() throws Exception {
        subscribe("rejecting", SubscriptionMode.SHARED, b -> b.maxDeliveries(5));
        h.publish(job(null, "{\"bad\":true}", Metadata.EMPTY));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "rejecting")) {
            Delivery d = take(s, 1, WAIT).get(0);
            AckResult r = h.broker.subscriptions().term(T, "rejecting", List.of(d.id()), Optional.of("schema mismatch")).join();
            assertThat(r.settled()).isEqualTo(1);
            waitFor(() -> deadLetters.size() == 1);
            assertThat(deadLetters.get(0).reason()).isEqualTo(DeadLetter.Reason.REJECTED);
            assertThat(deadLetters.get(0).attempts()).extracting(DeadLetter.DeliveryAttempt::outcome)
                    .containsExactly("schema mismatch");
            advance("rejecting", Duration.ofMinutes(1));
            assertThat(take(s, 1, QUIET)).isEmpty();
            assertThat(h.broker.subscriptions().term(T, "rejecting", List.of(d.id()), Optional.empty()).join().unknown())
                    .as("a second term of the same message finds nothing").containsExactly(d.id());
        }
    }

    @Test
    void strictOrderingHoldsAKeysLaterMessagesBackWhileAnEarlierOneIsInBackoff() throws Exception {
        subscribe("strict", SubscriptionMode.EXCLUSIVE, b -> b.backoff(List.of(Duration.ofSeconds(2))));
        h.publish(job("a", "{\"a\":1}", Metadata.EMPTY), job("a", "{\"a\":2}", Metadata.EMPTY),
                job("b", "{\"b\":1}", Metadata.EMPTY));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "strict")) {
            List<Delivery> firstRound = take(s, 3, WAIT);
            // all three were handed out at once (max_in_flight 1000); nack a1 and ack the others
            h.broker.subscriptions().nack(T, "strict", List.of(firstRound.get(0).id()), Optional.empty(), Optional.empty()).join();
            h.broker.subscriptions().ack(T, "strict", List.of(firstRound.get(1).id(), firstRound.get(2).id())).join();

            h.publish(job("a", "{\"a\":3}", Metadata.EMPTY), job("b", "{\"b\":2}", Metadata.EMPTY));
            assertThat(payloads(take(s, 2, Duration.ofSeconds(1))))
                    .as("b moves on; a's next message waits for a1's backoff").containsExactly("{\"b\":2}");
            advance("strict", Duration.ofSeconds(2));
            assertThat(payloads(take(s, 2, WAIT))).containsExactly("{\"a\":1}", "{\"a\":3}");
        }
    }

    @Test
    void relaxedOrderingLetsAKeysLaterMessagesPassOneInBackoff() throws Exception {
        subscribe("relaxed", SubscriptionMode.EXCLUSIVE, b -> b.ordering(Ordering.RELAXED).backoff(List.of(Duration.ofSeconds(2))));
        h.publish(job("a", "{\"a\":1}", Metadata.EMPTY));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "relaxed")) {
            Delivery a1 = take(s, 1, WAIT).get(0);
            h.broker.subscriptions().nack(T, "relaxed", List.of(a1.id()), Optional.empty(), Optional.empty()).join();
            h.publish(job("a", "{\"a\":2}", Metadata.EMPTY));
            assertThat(payloads(take(s, 1, WAIT))).containsExactly("{\"a\":2}");
        }
    }

    @Test
    void anExpiredMessageIsNotDeliveredAndIsCountedOrDeadLetteredWhenAsked() throws Exception {
        subscribe("plain", SubscriptionMode.SHARED, b -> { });
        subscribe("keeps-expired", SubscriptionMode.SHARED, b -> b.deadLetterExpired(true));
        h.publish(job(null, "{\"short\":1}", Metadata.builder().ttl(Duration.ofSeconds(60)).build()),
                job(null, "{\"long\":1}", Metadata.builder().ttl(Duration.ofSeconds(600)).build()));
        clock.advance(Duration.ofSeconds(61));
        try (SubscriptionSession plain = h.broker.subscriptions().attach(T, "plain");
             SubscriptionSession keeps = h.broker.subscriptions().attach(T, "keeps-expired")) {
            assertThat(payloads(take(plain, 2, Duration.ofSeconds(1)))).containsExactly("{\"long\":1}");
            assertThat(payloads(take(keeps, 2, Duration.ofSeconds(1)))).containsExactly("{\"long\":1}");
        }
        waitFor(() -> deadLetters.size() == 1);
        assertThat(deadLetters.get(0).reason()).isEqualTo(DeadLetter.Reason.EXPIRED);
        assertThat(deadLetters.get(0).subscription()).isEqualTo("keeps-expired");
        assertThat(deadLetters.get(0).attempts()).isEmpty();
        assertThat(counter("kmb.messages.expired", null)).isEqualTo(2);
        // the expired message is settled: the floor passes it, only the delivered one is pending
        waitFor(() -> h.broker.subscriptions().lag(T, "plain").join().get(0).ackFloor() == 1);
        assertThat(h.broker.subscriptions().lag(T, "plain").join().get(0).pending()).isEqualTo(1);
    }

    @Test
    void aCriticalMessageOvertakesABacklogOfTenThousandLowOnes() throws Exception {
        int maxInFlight = 10;
        subscribe("prio", SubscriptionMode.SHARED, b -> b.maxInFlight(maxInFlight));
        Metadata low = Metadata.builder().priority(Priority.LOW).build();
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "prio")) {
            for (int batch = 0; batch < 10; batch++) {
                List<Envelope> lows = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    lows.add(job("k" + (i % 50), "{\"low\":" + (batch * 1000 + i) + "}", low));
                }
                h.broker.publisher().publish(T, lows).join();
            }
            List<Delivery> before = take(s, maxInFlight, WAIT); // the member is full: nothing acked yet
            assertThat(before).hasSize(maxInFlight);
            h.publish(job("urgent", "{\"critical\":1}", Metadata.builder().priority(Priority.CRITICAL).build()));

            h.broker.subscriptions().ack(T, "prio", before.stream().map(Delivery::id).toList()).join();
            List<Delivery> next = take(s, maxInFlight, WAIT);
            assertThat(payloads(next)).as("within the next max_in_flight deliveries").contains("{\"critical\":1}");
        }
    }

    @Test
    void inStrictOrderingAHighPriorityMessageNeverJumpsAnEarlierOneOfItsKey() throws Exception {
        subscribe("prio-strict", SubscriptionMode.KEY_SHARED, b -> b.maxInFlight(1));
        Metadata high = Metadata.builder().priority(Priority.HIGH).build();
        h.publish(job("x", "{\"x\":1}", Metadata.EMPTY), job("y", "{\"y\":1}", Metadata.EMPTY),
                job("x", "{\"x\":2}", Metadata.EMPTY), job("x", "{\"x\":3}", high), job("z", "{\"z\":1}", high));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "prio-strict")) {
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Delivery d = take(s, 1, WAIT).get(0);
                got.add(payloads(List.of(d)).get(0));
                h.broker.subscriptions().ack(T, "prio-strict", List.of(d.id())).join();
            }
            assertThat(got).containsExactlyInAnyOrder("{\"x\":1}", "{\"y\":1}", "{\"x\":2}", "{\"x\":3}", "{\"z\":1}");
            assertThat(got.indexOf("{\"x\":3}")).as("x3 after x2").isGreaterThan(got.indexOf("{\"x\":2}"));
            assertThat(got.indexOf("{\"x\":2}")).isGreaterThan(got.indexOf("{\"x\":1}"));
            assertThat(got.indexOf("{\"z\":1}")).as("z (high, no earlier z) jumps the queue").isLessThan(got.indexOf("{\"y\":1}"));
        }
    }

    @Test
    void aDelayedMessageWaitsForItsTimeShowsAsScheduledAndSurvivesARestart() throws Exception {
        subscribe("later", SubscriptionMode.SHARED, b -> { });
        h.publish(job(null, "{\"later\":1}", Metadata.builder().delay(Duration.ofSeconds(60)).build()),
                job(null, "{\"at\":1}", Metadata.builder().deliverAt(clock.instant().plusSeconds(120)).build()),
                job(null, "{\"now\":1}", Metadata.EMPTY));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "later")) {
            assertThat(payloads(take(s, 3, Duration.ofSeconds(1)))).containsExactly("{\"now\":1}");
            waitFor(() -> h.broker.subscriptions().lag(T, "later").join().get(0).scheduled() == 2);
            h.broker.subscriptions().ack(T, "later", List.of()).join();
        }
        h.restart();
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "later")) {
            Delivery now = take(s, 1, WAIT).get(0); // not acked before the restart: delivered again
            h.broker.subscriptions().ack(T, "later", List.of(now.id())).join();
            advance("later", Duration.ofSeconds(59));
            assertThat(take(s, 1, QUIET)).isEmpty();
            advance("later", Duration.ofSeconds(1));
            assertThat(payloads(take(s, 1, WAIT))).containsExactly("{\"later\":1}");
            advance("later", Duration.ofSeconds(60));
            assertThat(payloads(take(s, 1, WAIT))).containsExactly("{\"at\":1}");
        }
    }

    @Test
    void aRestartKeepsTheAttemptCountAndTheBackoffOfAMessageInRetry() throws Exception {
        subscribe("durable-retry", SubscriptionMode.SHARED, b -> b.maxDeliveries(2).backoff(List.of(Duration.ofSeconds(30))));
        h.publish(job(null, "{\"r\":1}", Metadata.EMPTY));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "durable-retry")) {
            Delivery d = take(s, 1, WAIT).get(0);
            h.broker.subscriptions().nack(T, "durable-retry", List.of(d.id()), Optional.empty(), Optional.of("first try")).join();
        }
        h.restart();
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "durable-retry")) {
            advance("durable-retry", Duration.ofSeconds(29));
            assertThat(take(s, 1, QUIET)).as("the backoff still runs after the restart").isEmpty();
            advance("durable-retry", Duration.ofSeconds(1));
            List<Delivery> again = take(s, 2, Duration.ofSeconds(1));
            assertThat(again).hasSize(1);
            assertThat(again.get(0).attempt()).isEqualTo(2);
            h.broker.subscriptions().nack(T, "durable-retry", List.of(again.get(0).id()), Optional.empty(), Optional.empty()).join();
            waitFor(() -> deadLetters.size() == 1);
            assertThat(deadLetters.get(0).attempts()).extracting(DeadLetter.DeliveryAttempt::outcome)
                    .containsExactly("first try", "nack");
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WAIT);
            }
            Thread.sleep(10);
        }
    }
}
