package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.client.KmbClient;
import dev.kmb.client.KmbConnection;
import dev.kmb.client.Message;
import dev.kmb.core.Envelope;
import dev.kmb.testing.PostgresExtension;
import dev.kmb.testing.TestKafka;
import dev.kmb.testing.TestPostgres;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode over real sockets: two bus nodes ({@code --backend kafka --state postgresql://…}) on one in-process Kafka
 * and one PostgreSQL database. A topic created on one node is used on the other, a subscriber on B receives what A
 * publishes, and members of one subscription on both nodes share its messages. Skipped without PostgreSQL unless
 * {@code KMB_REQUIRE_SERVICES=1}.
 */
@ExtendWith(PostgresExtension.class)
class ClusterServerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    TestPostgres pg; // set by PostgresExtension

    @TempDir
    Path dir;

    /** A node's config; {@code prefix} keeps each test's Kafka topics apart on the shared test Kafka. */
    private static ServerConfig node(String state, Path dataDir, String nodeId, String prefix) {
        return new ServerConfigLoader(name -> null).parse("kmb:\n  server:\n    port: 0\n  kafka:\n    topic_prefix: "
                + prefix + "\n", new ServerConfigLoader.Overrides(Optional.empty(), Optional.empty(), Optional.of(dataDir),
                Optional.of(state), Optional.of("kafka"), Optional.of(TestKafka.bootstrapServers()), Optional.of(nodeId)));
    }

    private TestServer start(String state, String nodeId, String prefix) {
        Path data = dir.resolve(nodeId);
        return TestServer.start(data, c -> node(state, data, nodeId, prefix));
    }

    private static String prefix() {
        return "t" + UUID.randomUUID().toString().substring(0, 8) + ".";
    }

    @Test
    void aTopicMadeOnOneNodeServesEveryNodeAndASubscriberOnBGetsWhatAPublishes() throws Exception {
        String state = pg.url(pg.newSchema());
        String prefix = prefix();
        try (TestServer a = start(state, "node-a", prefix); TestServer b = start(state, "node-b", prefix)) {
            assertThat(a.server().context().config().backend().wireName()).isEqualTo("kafka");
            assertThat(a.post("/v1/topics", "{\"name\":\"orders\",\"partitions\":2}").status()).isEqualTo(201);
            assertThat(b.get("/v1/topics/orders").json().path("partitions").asInt()).isEqualTo(2);
            assertThat(b.post("/v1/subscriptions", "{\"name\":\"audit\",\"pattern\":\"orders\",\"start\":\"earliest\"}")
                    .status()).isEqualTo(201);
            // published over HTTP on B before anyone subscribed, then over WebSocket on A
            assertThat(b.post("/v1/publish", "{\"topic\":\"orders\",\"type\":\"event\",\"key\":\"k\",\"payload\":-1}")
                    .status()).isIn(200, 201);
            try (KmbClient ca = client(a); KmbConnection pubA = ca.connect();
                 KmbClient cb = client(b); KmbConnection subB = cb.connect()) {
                Inbox inbox = new Inbox(false);
                subB.subscribe("audit", inbox).join();
                pubA.publishBatch(batch("orders", 20)).join();
                List<Message> got = inbox.take(21, WAIT);
                assertThat(got).extracting(Message::id).doesNotHaveDuplicates();
                for (Message m : got) {
                    m.ack().join();
                }
            }
            // a transaction (a Kafka transaction here) belongs to the node that began it; the other says which that is
            TestServer.Answer txn = a.post("/v1/transactions", "{}");
            assertThat(txn.status()).isEqualTo(201);
            String txnId = txn.json().path("id").asText();
            TestServer.Answer elsewhere = b.post("/v1/transactions/" + txnId + "/commit", "");
            assertThat(elsewhere.status()).isEqualTo(409);
            assertThat(elsewhere.code()).isEqualTo("conflict");
            assertThat(elsewhere.body()).contains("node-a");
            assertThat(a.post("/v1/transactions/" + txnId + "/commit", "").json().path("state").asText()).isEqualTo("committed");
            // A answers lag for the subscription B served, from the cursors B stored
            assertThat(a.get("/v1/subscriptions/audit/lag").json().path("partitions").findValuesAsText("pending"))
                    .containsOnly("0");
        }
    }

    @Test
    void membersOfOneSubscriptionOnTwoNodesShareItsMessages() throws Exception {
        String state = pg.url(pg.newSchema());
        String prefix = prefix();
        try (TestServer a = start(state, "node-a", prefix); TestServer b = start(state, "node-b", prefix)) {
            topicAndSubscription(a, "jobs", 4, "{\"name\":\"workers\",\"pattern\":\"jobs\",\"mode\":\"shared\","
                    + "\"start\":\"earliest\"}");
            try (KmbClient ca = client(a); KmbConnection onA = ca.connect();
                 KmbClient cb = client(b); KmbConnection onB = cb.connect()) {
                Inbox inboxA = new Inbox(true);
                Inbox inboxB = new Inbox(true);
                onA.subscribe("workers", inboxA).join();
                onB.subscribe("workers", inboxB).join();
                // the group hands B its share a moment after B's member joins: publish until both nodes serve
                Set<UUID> published = new HashSet<>();
                Set<UUID> seen = new HashSet<>();
                List<Message> fromA = new ArrayList<>();
                List<Message> fromB = new ArrayList<>();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while ((fromA.isEmpty() || fromB.isEmpty() || !seen.containsAll(published))
                        && System.nanoTime() < deadline) {
                    if (fromA.isEmpty() || fromB.isEmpty()) {
                        onA.publishBatch(batch("jobs", 20)).join().forEach(r -> published.add(r.id()));
                    }
                    inboxA.drain(Duration.ofMillis(50)).forEach(m -> {
                        fromA.add(m);
                        seen.add(m.id());
                    });
                    inboxB.drain(Duration.ofMillis(50)).forEach(m -> {
                        fromB.add(m);
                        seen.add(m.id());
                    });
                }
                assertThat(seen).containsAll(published); // every acknowledged publish was delivered
                // both nodes served some: the group split the four partitions between them
                assertThat(fromA).isNotEmpty();
                assertThat(fromB).isNotEmpty();
            }
        }
    }

    @Test
    void aSeekAskedOfANodeWithoutMembersMovesTheMembersOnTheOther() throws Exception {
        String state = pg.url(pg.newSchema());
        String prefix = prefix();
        try (TestServer a = start(state, "node-a", prefix); TestServer b = start(state, "node-b", prefix)) {
            topicAndSubscription(a, "ledger", 2, "{\"name\":\"books\",\"pattern\":\"ledger\",\"start\":\"earliest\"}");
            try (KmbClient ca = client(a); KmbConnection pubA = ca.connect();
                 KmbClient cb = client(b); KmbConnection subB = cb.connect()) {
                Inbox inbox = new Inbox(false);
                subB.subscribe("books", inbox).join();
                pubA.publishBatch(batch("ledger", 10)).join();
                List<Message> first = inbox.take(10, WAIT);
                for (Message m : first) {
                    m.ack().join(); // answered once stored
                }
                // A has no member of "books": B holds both partitions, all acked, in memory
                assertThat(a.post("/v1/subscriptions/books/seek", "{\"to\":\"earliest\"}").status()).isIn(200, 204);
                List<Message> again = inbox.take(10, WAIT);
                assertThat(again).extracting(Message::id)
                        .containsExactlyInAnyOrderElementsOf(first.stream().map(Message::id).toList());
                assertThat(again).allSatisfy(m -> assertThat(m.attempt()).isEqualTo(1)); // a fresh start, not a retry
                for (Message m : again) {
                    m.ack().join();
                }
            }
            assertThat(a.get("/v1/subscriptions/books/lag").json().path("partitions").findValuesAsText("pending"))
                    .containsOnly("0");
        }
    }

    /** Creates a topic and a subscription on {@code node}; both must be answered 201. */
    private static void topicAndSubscription(TestServer node, String topic, int partitions, String subscription) {
        assertThat(node.post("/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":" + partitions + "}").status())
                .isEqualTo(201);
        assertThat(node.post("/v1/subscriptions", subscription).status()).isEqualTo(201);
    }

    private static List<Envelope> batch(String topic, int n) {
        List<Envelope> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(TestBus.message(topic, "k" + i, "{\"n\":" + i + "}"));
        }
        return out;
    }

    private static KmbClient client(TestServer s) {
        return KmbClient.builder(URI.create("http://127.0.0.1:" + s.server().port())).requestTimeout(WAIT).build();
    }
}
