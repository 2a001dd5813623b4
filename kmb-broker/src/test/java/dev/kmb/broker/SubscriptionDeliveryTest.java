package dev.kmb.broker;

import static dev.kmb.broker.BrokerHarness.T;
import static dev.kmb.broker.BrokerHarness.take;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicPattern;
import dev.kmb.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/** Publish, subscribe, the subscription modes, ack, redelivery, restarts, lag and seek on a real broker, on each backend. */
@OnEachBackend
class SubscriptionDeliveryTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    @Parameter
    Backend backend;
    TestPostgres pg; // set for the KAFKA run
    @TempDir
    Path dir;
    BrokerHarness h;

    @BeforeEach
    void start() {
        h = new BrokerHarness(Backing.of(backend, dir, pg));
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static String json(Delivery d) {
        return new String(d.json(), StandardCharsets.UTF_8);
    }

    private List<UUID> ids(List<Delivery> ds) {
        return ds.stream().map(Delivery::id).toList();
    }

    @Test
    void aKeysMessagesArriveInOrderWithTheirDeliveryFields() throws Exception {
        h.topic("orders", 3);
        h.subscribe("s", "orders", SubscriptionMode.SHARED, b -> b.start(StartPosition.EARLIEST));
        List<Receipt> receipts = h.publishMany("orders", "customer-7", 20);
        assertThat(receipts).extracting(Receipt::partition).containsOnly(receipts.get(0).partition());
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "s")) {
            List<Delivery> got = take(s, 20, WAIT);
            assertThat(got).extracting(Delivery::offset).isSorted().hasSize(20);
            assertThat(json(got.get(3))).contains("\"delivery_attempt\":1").contains("\"subscription\":\"s\"")
                    .contains("\"payload\":{\"n\":3}").contains("\"offset\":" + got.get(3).offset());
        }
    }

    @Test
    void wildcardPatternsFollowEveryMatchingTopicIncludingOnesCreatedLater() throws Exception {
        h.topic("agents.alpha.intent", 1);
        h.topic("agents.beta.result", 1);
        h.subscribe("star", "agents.*.intent", SubscriptionMode.SHARED, b -> { });
        h.subscribe("hash", "agents.#", SubscriptionMode.SHARED, b -> { });
        h.topic("agents.gamma.intent", 1); // after the subscriptions
        h.publish(BrokerHarness.message("agents.alpha.intent", null, "1"), BrokerHarness.message("agents.beta.result", null, "2"),
                BrokerHarness.message("agents.gamma.intent", null, "3"));
        try (SubscriptionSession star = h.broker.subscriptions().attach(T, "star");
             SubscriptionSession hash = h.broker.subscriptions().attach(T, "hash")) {
            assertThat(take(star, 3, Duration.ofSeconds(2))).extracting(d -> d.topic().value())
                    .containsExactlyInAnyOrder("agents.alpha.intent", "agents.gamma.intent");
            assertThat(take(hash, 3, WAIT)).hasSize(3);
        }
    }

    @Test
    void twoMembersOfASharedSubscriptionSplitTheMessages() throws Exception {
        h.topic("jobs", 2);
        h.subscribe("workers", "jobs", SubscriptionMode.SHARED, b -> b.maxInFlight(10));
        try (SubscriptionSession a = h.broker.subscriptions().attach(T, "workers");
             SubscriptionSession b = h.broker.subscriptions().attach(T, "workers")) {
            h.publishMany("jobs", null, 100);
            Set<Long> seen = new HashSet<>();
            int fromA = 0;
            int fromB = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (seen.size() < 100 && System.nanoTime() < deadline) {
                for (SubscriptionSession s : List.of(a, b)) {
                    List<Delivery> got = take(s, 5, Duration.ofMillis(100));
                    if (s == a) {
                        fromA += got.size();
                    } else {
                        fromB += got.size();
                    }
                    got.forEach(d -> seen.add(d.partition() * 1_000_000L + d.offset()));
                    h.broker.subscriptions().ack(T, "workers", ids(got)).join();
                }
            }
            assertThat(seen).hasSize(100);
            assertThat(fromA + fromB).isEqualTo(100);
            assertThat(fromA).isPositive();
            assertThat(fromB).isPositive();
        }
    }

    @Test
    void keySharedKeepsEachKeyOnOneMember() throws Exception {
        h.topic("events", 1);
        h.subscribe("ks", "events", SubscriptionMode.KEY_SHARED, b -> b.maxInFlight(1000));
        try (SubscriptionSession a = h.broker.subscriptions().attach(T, "ks");
             SubscriptionSession b = h.broker.subscriptions().attach(T, "ks")) {
            for (int k = 0; k < 20; k++) {
                h.publishMany("events", "key-" + k, 5);
            }
            Map<String, Set<String>> membersOfKey = new HashMap<>();
            int total = 0;
            for (SubscriptionSession s : List.of(a, b)) {
                List<Delivery> got = take(s, 100, Duration.ofSeconds(2));
                total += got.size();
                for (Delivery d : got) {
                    String key = json(d).replaceAll(".*\"key\":\"([^\"]+)\".*", "$1");
                    membersOfKey.computeIfAbsent(key, x -> new HashSet<>()).add(s == a ? "a" : "b");
                }
            }
            assertThat(total).isEqualTo(100);
            assertThat(membersOfKey).hasSize(20).allSatisfy((k, m) -> assertThat(m).as(k).hasSize(1));
            assertThat(membersOfKey.values().stream().flatMap(Set::stream).collect(Collectors.toSet()))
                    .as("both members got keys").containsExactlyInAnyOrder("a", "b");
        }
    }

    @Test
    void anExclusiveSubscriptionRefusesASecondMember() {
        h.topic("x", 1);
        h.subscribe("only", "x", SubscriptionMode.EXCLUSIVE, b -> { });
        try (SubscriptionSession first = h.broker.subscriptions().attach(T, "only")) {
            assertThatThrownBy(() -> h.broker.subscriptions().attach(T, "only"))
                    .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().code()).isEqualTo(ProblemCode.CONFLICT));
        }
        h.broker.subscriptions().attach(T, "only").close(); // free again once the first left
    }

    @Test
    void failoverHandsUnackedMessagesToTheNextMemberInOrder() throws Exception {
        h.topic("f", 1);
        h.subscribe("fo", "f", SubscriptionMode.FAILOVER, b -> b.maxInFlight(100));
        SubscriptionSession active = h.broker.subscriptions().attach(T, "fo");
        try (SubscriptionSession standby = h.broker.subscriptions().attach(T, "fo")) {
            h.publishMany("f", null, 10);
            List<Delivery> first = take(active, 10, WAIT);
            assertThat(first).hasSize(10);
            assertThat(take(standby, 1, Duration.ofMillis(300))).as("standby idle while active lives").isEmpty();
            h.broker.subscriptions().ack(T, "fo", ids(first.subList(0, 4))).join();
            active.close();
            List<Delivery> taken = take(standby, 6, WAIT);
            assertThat(taken).extracting(Delivery::offset).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
            assertThat(taken).extracting(Delivery::attempt).containsOnly(2);
        }
    }

    @Test
    void anUnackedMessageComesBackAfterTheAckTimeoutWithItsAttemptCounted() throws Exception {
        h.topic("t", 1);
        h.subscribe("slow", "t", SubscriptionMode.SHARED,
                b -> b.ackTimeout(Duration.ofSeconds(1)).backoff(List.of(Duration.ZERO)).maxDeliveries(5));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "slow")) {
            h.publishMany("t", null, 1);
            Delivery first = take(s, 1, WAIT).get(0);
            Delivery again = take(s, 1, WAIT).get(0);
            assertThat(again.id()).isEqualTo(first.id());
            assertThat(again.attempt()).isEqualTo(2);
            assertThat(json(again)).contains("\"delivery_attempt\":2");
        }
    }

    @Test
    void aNackedMessageIsRedeliveredAfterItsDelay() throws Exception {
        h.topic("n", 1);
        h.subscribe("nk", "n", SubscriptionMode.SHARED, b -> b.backoff(List.of(Duration.ZERO)));
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "nk")) {
            h.publishMany("n", null, 1);
            Delivery first = take(s, 1, WAIT).get(0);
            AckResult r = h.broker.subscriptions().nack(T, "nk", List.of(first.id(), UUID.randomUUID()), Optional.of(Duration.ZERO), Optional.empty()).join();
            assertThat(r.settled()).isEqualTo(1);
            assertThat(r.unknown()).hasSize(1);
            Delivery again = take(s, 1, WAIT).get(0);
            assertThat(again.offset()).isEqualTo(first.offset());
            assertThat(again.attempt()).isEqualTo(2);
        }
    }

    @Test
    void aRestartRedeliversOnlyWhatWasNotAcked() throws Exception {
        h.topic("r", 2);
        h.subscribe("dur", "r", SubscriptionMode.SHARED, b -> b.maxInFlight(100));
        h.publishMany("r", null, 40);
        Set<UUID> acked = new HashSet<>();
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "dur")) {
            List<Delivery> got = take(s, 40, WAIT);
            assertThat(got).hasSize(40);
            List<Delivery> toAck = got.stream().filter(d -> d.offset() % 3 != 0).toList(); // holes above the floor
            h.broker.subscriptions().ack(T, "dur", ids(toAck)).join();
            toAck.forEach(d -> acked.add(d.id()));
        }
        h.restart();
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "dur")) {
            List<Delivery> again = take(s, 40, Duration.ofSeconds(3));
            assertThat(again).hasSize(40 - acked.size());
            assertThat(again).extracting(Delivery::id).doesNotContainAnyElementsOf(acked);
        }
    }

    @Test
    void lagCountsPendingAndInFlightAndSeekMovesTheFloor() throws Exception {
        h.topic("lag", 1);
        h.subscribe("l", "lag", SubscriptionMode.SHARED, b -> b.maxInFlight(3));
        h.publishMany("lag", null, 10);
        PartitionLag before = h.broker.subscriptions().lag(T, "l").join().get(0);
        assertThat(before.pending()).isEqualTo(10);
        assertThat(before.endOffset()).isEqualTo(10);
        assertThat(before.oldestUnacked()).isPresent();
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "l")) {
            List<Delivery> got = take(s, 3, WAIT);
            h.broker.subscriptions().ack(T, "l", ids(got.subList(0, 1))).join();
            // the ack returns credit; the dispatcher refills the member on its own thread, so wait for it
            PartitionLag mid = h.broker.subscriptions().lag(T, "l").join().get(0);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (mid.inFlight() < 3 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                mid = h.broker.subscriptions().lag(T, "l").join().get(0);
            }
            assertThat(mid.ackFloor()).isEqualTo(1);
            assertThat(mid.pending()).isEqualTo(9);
            assertThat(mid.inFlight()).isEqualTo(3); // 2 left in flight + 1 new since credit came back
        }
        h.broker.subscriptions().seek(T, "l", StartPosition.LATEST).join();
        PartitionLag after = h.broker.subscriptions().lag(T, "l").join().get(0);
        assertThat(after.pending()).isZero();
        assertThat(after.ackFloor()).isEqualTo(10);
    }

    @Test
    void anEphemeralSubscriptionResumesFromItsCursorWithoutLoss() throws Exception {
        h.topic("live", 2);
        String cursor;
        try (SubscriptionSession s = h.broker.subscriptions().attachEphemeral(T, TopicPattern.of("live"),
                StartPosition.LATEST, Optional.empty())) {
            h.publishMany("live", null, 10);
            List<Delivery> got = take(s, 4, WAIT);
            assertThat(got).hasSize(4);
            cursor = got.get(3).cursor();
        }
        h.publishMany("live", null, 5); // while disconnected
        try (SubscriptionSession s = h.broker.subscriptions().attachEphemeral(T, TopicPattern.of("live"),
                StartPosition.LATEST, Optional.of(cursor))) {
            List<Delivery> rest = take(s, 11, Duration.ofSeconds(3));
            assertThat(rest).hasSize(11); // 6 not yet seen + 5 published while away
        }
    }
}
