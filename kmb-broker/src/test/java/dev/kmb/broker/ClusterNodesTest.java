package dev.kmb.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.store.SqliteStateStore;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import dev.kmb.log.EmbeddedLog;
import dev.kmb.log.EmbeddedLogConfig;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.TopicSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two bus nodes in cluster mode over one shared log and one shared state store (the embedded log's in-process consumer
 * groups stand in for Kafka's; the Kafka + PostgreSQL run of the same behaviour is in kmb-server's cluster tests).
 */
class ClusterNodesTest {

    private static final TenantId T = TenantId.DEFAULT;
    private static final ClusterMode FAST_A = new ClusterMode("node-a", Duration.ofMillis(100), Duration.ofMillis(600));
    private static final ClusterMode FAST_B = new ClusterMode("node-b", Duration.ofMillis(100), Duration.ofMillis(600));

    @TempDir
    Path dir;
    private EmbeddedLog log;
    private StateStore store;
    private Broker a;
    private Broker b;

    @BeforeEach
    void open() {
        log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir.resolve("log")).build());
        store = SqliteStateStore.open(dir);
        a = node(FAST_A);
        b = node(FAST_B);
    }

    private Broker node(ClusterMode mode) {
        return Broker.startCluster(BrokerConfig.defaults(), mode, TransactionConfig.defaults(), log, store, new EnvelopeCodec(),
                new BrokerMetrics(new SimpleMeterRegistry()));
    }

    @AfterEach
    void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        store.close();
        log.close();
    }

    private void topic(Broker on, String name, int partitions) {
        on.topics().create(T, TopicName.of(name), TopicSpec.defaults().withPartitions(partitions)
                .withDurability(Durability.DURABLE));
    }

    private void subscribe(Broker on, String name, String pattern, SubscriptionMode mode) {
        on.subscriptions().create(SubscriptionRecord.builder(T, name, TopicPattern.of(pattern)).mode(mode)
                .ackTimeout(Duration.ofSeconds(30)).build(Instant.now()));
    }

    private static void publish(Broker on, String topic, int n) {
        for (int i = 0; i < n; i++) {
            on.publisher().publish(T, List.of(BrokerHarness.message(topic, "k" + i, "{\"n\":" + i + "}"))).join();
        }
    }

    /** Takes from both sessions until {@code n} distinct messages arrived in all, acking each. */
    private static List<Delivery> drainBoth(Broker na, SubscriptionSession sa, Broker nb, SubscriptionSession sb,
                                            String sub, int n) throws InterruptedException {
        return drainBoth(na, sa, nb, sb, sub, n, new ArrayList<>());
    }

    /** As above; {@code byNode} gets "a:partition" or "b:partition" for each delivery. */
    private static List<Delivery> drainBoth(Broker na, SubscriptionSession sa, Broker nb, SubscriptionSession sb,
                                            String sub, int n, List<String> byNode) throws InterruptedException {
        List<Delivery> all = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (all.size() < n && System.nanoTime() < deadline) {
            for (var pair : List.of(new Object[] {na, sa}, new Object[] {nb, sb})) {
                Broker node = (Broker) pair[0];
                SubscriptionSession s = (SubscriptionSession) pair[1];
                if (s == null) {
                    continue;
                }
                String label = s == sa ? "a" : "b";
                s.poll(Duration.ofMillis(20)).ifPresent(d -> {
                    all.add(d);
                    byNode.add(label + ":" + d.partition());
                    node.subscriptions().ack(T, sub, List.of(d.id())).join();
                });
            }
        }
        return all;
    }

    @Test
    void aTopicCreatedOnOneNodeIsUsableOnTheOther() {
        topic(a, "orders", 2);
        List<Receipt> r = b.publisher().publish(T, List.of(BrokerHarness.message("orders", "k", "{}"))).join();
        assertThat(r).hasSize(1);
        assertThat(b.topics().get(T, TopicName.of("orders")).partitions()).hasSize(2);
        assertThat(a.replay(T, TopicName.of("orders"), new ReplayQuery(java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.of(Instant.EPOCH), java.util.Optional.empty(), java.util.Optional.empty(), 10)).messages()).hasSize(1);
    }

    @Test
    void aSubscriberOnOneNodeReceivesWhatIsPublishedOnTheOther() throws Exception {
        topic(a, "events", 3);
        subscribe(a, "audit", "events", SubscriptionMode.SHARED);
        try (SubscriptionSession s = b.subscriptions().attach(T, "audit")) {
            publish(a, "events", 30);
            List<Delivery> got = drainBoth(a, null, b, s, "audit", 30);
            assertThat(got).extracting(Delivery::id).doesNotHaveDuplicates().hasSize(30);
        }
    }

    @Test
    void membersOnTwoNodesSplitTheSubscriptionsPartitionsAndTheSurvivorTakesAllWhenOneLeaves() throws Exception {
        topic(a, "jobs", 4);
        subscribe(a, "workers", "jobs", SubscriptionMode.KEY_SHARED);
        SubscriptionSession sa = a.subscriptions().attach(T, "workers");
        SubscriptionSession sb = b.subscriptions().attach(T, "workers");
        // a rebalance redelivers what was in flight on a partition that moved (at least once): let it settle first
        awaitHeld(a, "workers", 2);
        awaitHeld(b, "workers", 2);
        publish(b, "jobs", 80);
        List<String> byNode = new ArrayList<>();
        List<Delivery> first = drainBoth(a, sa, b, sb, "workers", 80, byNode);
        assertThat(first).extracting(Delivery::id).doesNotHaveDuplicates().hasSize(80);
        // the group gave each node two of the four partitions, each partition to one node only
        assertThat(new HashSet<>(byNode)).hasSize(4);
        assertThat(byNode.stream().filter(x -> x.startsWith("a:")).map(x -> x.substring(2)).distinct()).hasSize(2);
        assertThat(byNode.stream().filter(x -> x.startsWith("b:")).map(x -> x.substring(2)).distinct()).hasSize(2);

        sa.close(); // node A has no member left: its partitions move to B, from where A's acks left them
        publish(a, "jobs", 40);
        List<Delivery> second = drainBoth(a, null, b, sb, "workers", 40);
        assertThat(second).extracting(Delivery::id).doesNotHaveDuplicates().hasSize(40);
        assertThat(second).extracting(Delivery::id).doesNotContainAnyElementsOf(ids(first)); // nothing acked comes back
        sb.close();
    }

    @Test
    void anExclusiveSubscriptionRefusesAMemberOnAnotherNodeUntilTheFirstLeaves() throws Exception {
        topic(a, "ledger", 2);
        subscribe(a, "bookkeeper", "ledger", SubscriptionMode.EXCLUSIVE);
        SubscriptionSession first = a.subscriptions().attach(T, "bookkeeper");
        assertThatThrownBy(() -> b.subscriptions().attach(T, "bookkeeper"))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().code()).isEqualTo(ProblemCode.CONFLICT));
        first.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        SubscriptionSession second = null;
        while (second == null && System.nanoTime() < deadline) {
            try {
                second = b.subscriptions().attach(T, "bookkeeper");
            } catch (ProblemException e) {
                Thread.sleep(50); // A gives the lease up once its member left
            }
        }
        assertThat(second).isNotNull();
        publish(a, "ledger", 10);
        assertThat(drainBoth(a, null, b, second, "bookkeeper", 10)).hasSize(10);
        second.close();
    }

    @Test
    void aFailoverStandbyOnAnotherNodeTakesOverWhenTheActiveNodeStops() throws Exception {
        topic(a, "alerts", 2);
        subscribe(a, "pager", "alerts", SubscriptionMode.FAILOVER);
        SubscriptionSession active = a.subscriptions().attach(T, "pager");
        SubscriptionSession standby = b.subscriptions().attach(T, "pager");
        publish(b, "alerts", 10);
        List<Delivery> toActive = drainBoth(a, active, b, standby, "pager", 10);
        assertThat(toActive).hasSize(10);
        assertThat(standby.poll(Duration.ofMillis(200))).isEmpty(); // B waits while A serves

        a.close(); // node A stops: its lease is given up, its partitions leave the group
        a = null;
        publish(b, "alerts", 5);
        List<Delivery> toStandby = drainBoth(b, null, b, standby, "pager", 5);
        assertThat(toStandby).hasSize(5).extracting(Delivery::id).doesNotContainAnyElementsOf(ids(toActive));
        standby.close();
    }

    @Test
    void aSubscriptionDeletedOnOneNodeEndsItsMembersOnTheOther() throws Exception {
        topic(a, "tmp", 1);
        subscribe(a, "gone", "tmp", SubscriptionMode.SHARED);
        SubscriptionSession s = b.subscriptions().attach(T, "gone");
        a.subscriptions().delete(T, "gone");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!s.isClosed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(s.isClosed()).isTrue();
        assertThatThrownBy(() -> b.subscriptions().attach(T, "gone")).isInstanceOf(ProblemException.class);
    }

    @Test
    void aSeekOnANodeWithoutMembersMovesTheNodeThatHoldsThePartitions() throws Exception {
        topic(a, "ledger", 2);
        subscribe(a, "books", "ledger", SubscriptionMode.SHARED);
        try (SubscriptionSession sb = b.subscriptions().attach(T, "books")) {
            awaitHeld(b, "books", 2);
            publish(a, "ledger", 20);
            List<Delivery> first = drainBoth(a, null, b, sb, "books", 20);
            assertThat(first).extracting(Delivery::id).doesNotHaveDuplicates().hasSize(20);

            // node A holds nothing of "books"; node B holds both partitions, all acked, in memory
            assertThat(a.subscriptions().held(T, "books").join()).isEmpty();
            a.subscriptions().seek(T, "books", dev.kmb.broker.spi.StartPosition.EARLIEST).join();

            List<Delivery> again = drainBoth(a, null, b, sb, "books", 20);
            assertThat(again).as("B's member gets everything again from the seek position")
                    .extracting(Delivery::id).containsExactlyInAnyOrderElementsOf(ids(first));
            // and B's writes after its acks did not undo the seek: a restart of B resumes after them, not before
            assertThat(store.cursors(T, "books")).allSatisfy(c -> assertThat(c.seekGeneration()).isEqualTo(1));
        }
    }

    private static void awaitHeld(Broker node, String sub, int partitions) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (node.subscriptions().held(T, sub).join().size() != partitions) {
            assertThat(System.nanoTime()).as("node holds %d partitions of %s", partitions, sub).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static Set<UUID> ids(List<Delivery> ds) {
        Set<UUID> out = new HashSet<>();
        ds.forEach(d -> out.add(d.id()));
        return out;
    }
}
