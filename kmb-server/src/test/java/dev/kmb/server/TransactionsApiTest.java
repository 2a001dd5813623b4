package dev.kmb.server;

import static dev.kmb.server.HttpCalls.get;
import static dev.kmb.server.HttpCalls.post;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.testing.PostgresExtension;
import dev.kmb.testing.TestKafka;
import dev.kmb.testing.TestPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions over real sockets: HTTP single and batch publish and WebSocket publish under one transaction, seen by a
 * live SSE subscriber and replay only after commit; rollback; the timeout; every bad input; and kill -9 of a child
 * server with an open and with a committed transaction; and on Kafka ({@link OnKafka}) two nodes and kill -9 of one.
 */
class TransactionsApiTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    /** How long a test watches for a delivery that must not come. */
    private static final Duration QUIET = Duration.ofMillis(500);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestBus bus;

    @BeforeAll
    static void start() {
        bus = new TestBus(dir);
    }

    @AfterAll
    static void stop() {
        bus.close();
    }



    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    private static String begin(URI base, String body) throws Exception {
        HttpResponse<String> r = post(base, "/v1/transactions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode t = json(r);
        assertThat(t.get("state").asText()).isEqualTo("open");
        assertThat(t.get("expires_at").asText()).isNotEmpty();
        return t.get("id").asText();
    }

    private static String message(String topic, String txn, String payload) {
        return "{\"topic\":\"" + topic + "\",\"type\":\"transactional\",\"payload\":" + payload
                + (txn == null ? "" : ",\"transaction_id\":\"" + txn + "\"") + "}";
    }

    private static void publish(URI base, String body) throws Exception {
        HttpResponse<String> r = post(base, "/v1/publish", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static List<String> payloads(SseStream sse, int n) throws Exception {
        List<String> out = new ArrayList<>();
        while (out.size() < n) {
            SseStream.Event e = sse.next(WAIT);
            if ("message".equals(e.event())) {
                out.add(JSON.readTree(e.data()).get("payload").toString());
            }
        }
        return out;
    }

    private static List<String> replay(String topic, int partition) throws Exception {
        JsonNode page = json(get(bus.base(), "/v1/topics/" + topic + "/messages?partition=" + partition + "&from_offset=0"));
        List<String> out = new ArrayList<>();
        page.get("messages").forEach(m -> out.add(m.get("payload").toString()));
        return out;
    }

    private static void assertProblem(HttpResponse<String> r, int status, String code) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(json(r).get("code").asText()).isEqualTo(code);
    }

    @Test
    void commitMakesHttpBatchAndWebSocketPublishesVisibleToALiveSubscriberAndReplay() throws Exception {
        bus.topic("txa.orders", 1);
        bus.topic("txa.audit", 1);
        assertThat(post(bus.base(), "/v1/subscriptions",
                "{\"name\":\"txa-live\",\"pattern\":\"txa.*\",\"start\":\"earliest\"}").statusCode()).isEqualTo(201);
        try (SseStream sse = SseStream.open(bus.uri("/v1/subscribe/txa-live"), Map.of())) {
            String txn = begin(bus.base(), "{\"timeout\":\"30s\"}");
            publish(bus.base(), message("txa.orders", txn, "{\"n\":1}"));
            publish(bus.base(), "{\"messages\":[" + message("txa.orders", txn, "{\"n\":2}") + ","
                    + message("txa.audit", txn, "{\"n\":3}") + "]}");
            try (RawWs ws = RawWs.open(bus.base(), true)) {
                JsonNode answer = ws.call("{\"op\":\"publish\",\"ref\":1,\"message\":" + message("txa.audit", txn, "{\"n\":4}") + "}");
                assertThat(answer.get("op").asText()).as(answer.toString()).isNotEqualTo("error");
            }
            assertThat(sse.poll(QUIET)).as("nothing is delivered before the commit").isNull();
            assertThat(replay("txa.orders", 0)).isEmpty();
            assertThat(json(get(bus.base(), "/v1/transactions/" + txn)).get("state").asText()).isEqualTo("open");

            HttpResponse<String> commit = post(bus.base(), "/v1/transactions/" + txn + "/commit", null);
            assertThat(commit.statusCode()).as(commit.body()).isEqualTo(200);
            assertThat(json(commit).get("state").asText()).isEqualTo("committed");
            assertThat(payloads(sse, 4)).containsExactlyInAnyOrder("{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
        }
        assertThat(replay("txa.orders", 0)).containsExactly("{\"n\":1}", "{\"n\":2}");
        assertThat(get(bus.base(), "/metrics").body()).contains("kmb_transactions_begun_total")
                .contains("kmb_transactions_ended_total{outcome=\"committed\",reason=\"commit\"}").contains("kmb_transactions_open");
        assertThat(replay("txa.audit", 0)).containsExactly("{\"n\":3}", "{\"n\":4}");
        assertThat(json(get(bus.base(), "/v1/transactions/" + "x".repeat(3))).get("code").asText()).isEqualTo("transaction_not_found");
    }

    @Test
    void rollbackDiscardsAndTheSubscriberGetsOnlyWhatCameOutside() throws Exception {
        bus.topic("txr.jobs", 1);
        String txn = begin(bus.base(), null);
        publish(bus.base(), message("txr.jobs", txn, "{\"n\":1}"));
        publish(bus.base(), message("txr.jobs", null, "{\"n\":2}"));
        HttpResponse<String> rollback = post(bus.base(), "/v1/transactions/" + txn + "/rollback", null);
        assertThat(rollback.statusCode()).isEqualTo(200);
        assertThat(json(rollback).get("state").asText()).isEqualTo("aborted");
        assertThat(json(rollback).get("reason").asText()).isEqualTo("rollback");
        publish(bus.base(), message("txr.jobs", null, "{\"n\":3}"));
        try (SseStream sse = SseStream.open(bus.uri("/v1/subscribe?pattern=txr.jobs&start=earliest"), Map.of())) {
            assertThat(payloads(sse, 2)).containsExactly("{\"n\":2}", "{\"n\":3}");
            assertThat(sse.poll(QUIET)).isNull();
        }
        assertThat(replay("txr.jobs", 0)).containsExactly("{\"n\":2}", "{\"n\":3}");
    }

    @Test
    void aTransactionLeftOpenPastItsTimeoutIsAbortedAndTheConsumerProceeds() throws Exception {
        bus.topic("txt.jobs", 1);
        assertThat(post(bus.base(), "/v1/subscriptions",
                "{\"name\":\"txt-live\",\"pattern\":\"txt.jobs\",\"start\":\"earliest\"}").statusCode()).isEqualTo(201);
        String txn = begin(bus.base(), "{\"timeout\":1}");
        publish(bus.base(), message("txt.jobs", txn, "{\"n\":1}"));
        publish(bus.base(), message("txt.jobs", null, "{\"n\":2}"));
        try (SseStream sse = SseStream.open(bus.uri("/v1/subscribe/txt-live"), Map.of())) {
            assertThat(payloads(sse, 1)).as("the consumer moves on once the timeout aborted it").containsExactly("{\"n\":2}");
        }
        JsonNode after = json(get(bus.base(), "/v1/transactions/" + txn));
        assertThat(after.get("state").asText()).isEqualTo("aborted");
        assertThat(after.get("reason").asText()).isEqualTo("timeout");
        assertProblem(post(bus.base(), "/v1/publish", message("txt.jobs", txn, "{}")), 409, "transaction_closed");
        assertProblem(post(bus.base(), "/v1/transactions/" + txn + "/commit", null), 409, "transaction_closed");
    }

    @Test
    void badInputIsAProblemWithAStableCode() throws Exception {
        bus.topic("txb.jobs", 1);
        String unknown = "01a1ff0c-0000-7000-8000-000000000000";
        assertProblem(get(bus.base(), "/v1/transactions/" + unknown), 404, "transaction_not_found");
        assertProblem(post(bus.base(), "/v1/transactions/" + unknown + "/commit", null), 404, "transaction_not_found");
        assertProblem(post(bus.base(), "/v1/transactions/" + unknown + "/rollback", null), 404, "transaction_not_found");
        assertProblem(post(bus.base(), "/v1/publish", message("txb.jobs", unknown, "{}")), 404, "transaction_not_found");
        assertProblem(post(bus.base(), "/v1/transactions", "{\"timeout\":"), 400, "malformed_json");
        assertProblem(post(bus.base(), "/v1/transactions", "[1]"), 400, "malformed_json");
        assertProblem(post(bus.base(), "/v1/transactions", "{\"timeout\":\"soon\"}"), 422, "invalid_field");
        assertProblem(post(bus.base(), "/v1/transactions", "{\"timeout\":-1}"), 422, "invalid_field");
        assertProblem(post(bus.base(), "/v1/transactions", "{\"timeout\":0}"), 422, "invalid_field");
        assertProblem(post(bus.base(), "/v1/transactions", "{\"timeout\":true}"), 422, "invalid_field");
        assertProblem(post(bus.base(), "/v1/transactions", "{\"timeout\":\"2h\"}"), 422, "validation_failed");
        assertProblem(post(bus.base(), "/v1/transactions", "{\"timeot\":30}"), 422, "invalid_field");

        String a = begin(bus.base(), "{\"timeout\":\"90s\"}");
        String b = begin(bus.base(), "{}");
        assertProblem(post(bus.base(), "/v1/publish", "{\"messages\":[" + message("txb.jobs", a, "{}") + ","
                + message("txb.jobs", b, "{}") + "]}"), 422, "validation_failed");
        assertThat(post(bus.base(), "/v1/transactions/" + a + "/commit", null).statusCode()).isEqualTo(200);
        assertThat(post(bus.base(), "/v1/transactions/" + a + "/commit", null).statusCode()).as("idempotent").isEqualTo(200);
        assertProblem(post(bus.base(), "/v1/transactions/" + a + "/rollback", null), 409, "transaction_closed");
        assertProblem(post(bus.base(), "/v1/publish", message("txb.jobs", a, "{}")), 409, "transaction_closed");
        try (RawWs ws = RawWs.open(bus.base(), true)) {
            JsonNode closed = ws.call("{\"op\":\"publish\",\"ref\":7,\"message\":" + message("txb.jobs", a, "{}") + "}");
            assertThat(closed.get("op").asText()).isEqualTo("error");
            assertThat(closed.toString()).contains("transaction_closed");
        }
        assertThat(post(bus.base(), "/v1/transactions/" + b + "/rollback", null).statusCode()).isEqualTo(200);
        assertProblem(post(bus.base(), "/v1/transactions/" + b + "/commit", null), 409, "transaction_closed");
    }

    @Test
    void killMinus9WithAnOpenAndACommittedTransaction(@TempDir Path crashDir) throws Exception {
        Process child = ChildServerProcess.start(crashDir);
        String open;
        String committed;
        try {
            URI base = base(crashDir);
            committed = begin(base, null);
            publish(base, "{\"messages\":[" + message("crash.t", committed, "{\"c\":1}") + ","
                    + message("crash.t", committed, "{\"c\":2}") + "]}");
            assertThat(post(base, "/v1/transactions/" + committed + "/commit", null).statusCode()).isEqualTo(200);
            open = begin(base, "{\"timeout\":\"3s\"}");
            publish(base, "{\"messages\":[" + message("crash.t", open, "{\"o\":1}") + ","
                    + message("crash.t", open, "{\"o\":2}") + "]}");
            publish(base, message("crash.t", null, "{\"p\":1}"));
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();

            child = ChildServerProcess.start(crashDir);
            base = base(crashDir);
            try (SseStream sse = SseStream.open(base.resolve("/v1/subscribe/crash-sub"), Map.of())) {
                assertThat(payloads(sse, 3)).as("the committed ones and the plain one; the open one is aborted by its timeout")
                        .containsExactlyInAnyOrder("{\"c\":1}", "{\"c\":2}", "{\"p\":1}");
                assertThat(sse.poll(QUIET)).isNull();
            }
            assertThat(json(get(base, "/v1/transactions/" + committed)).get("state").asText()).isEqualTo("committed");
            JsonNode aborted = json(get(base, "/v1/transactions/" + open));
            assertThat(aborted.get("state").asText()).isEqualTo("aborted");
            assertThat(aborted.get("reason").asText()).isEqualTo("timeout");
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anOpenTransactionResumesAfterKillMinus9AndCanStillCommit(@TempDir Path crashDir) throws Exception {
        Process child = ChildServerProcess.start(crashDir);
        try {
            URI base = base(crashDir);
            String txn = begin(base, "{\"timeout\":\"5m\"}");
            publish(base, message("crash.t", txn, "{\"r\":1}"));
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();

            child = ChildServerProcess.start(crashDir);
            base = base(crashDir);
            assertThat(json(get(base, "/v1/transactions/" + txn)).get("state").asText()).isEqualTo("open");
            publish(base, message("crash.t", txn, "{\"r\":2}"));
            try (SseStream sse = SseStream.open(base.resolve("/v1/subscribe/crash-sub"), Map.of())) {
                assertThat(sse.poll(QUIET)).isNull();
                assertThat(post(base, "/v1/transactions/" + txn + "/commit", null).statusCode()).isEqualTo(200);
                assertThat(payloads(sse, 2)).containsExactlyInAnyOrder("{\"r\":1}", "{\"r\":2}");
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Cluster mode: Kafka transactions under the same API. Node A runs in a child JVM, node B in this one, on one Kafka
     * and one PostgreSQL: node B refuses node A's transaction naming node A, and kill -9 of node A with a transaction
     * open ends it at A's restart as Kafka left it (aborted, its messages never visible).
     */
    @Nested
    @ExtendWith(PostgresExtension.class)
    class OnKafka {

        TestPostgres pg; // set by PostgresExtension

        @Test
        void aTransactionBelongsToItsNodeAndKillMinus9AbortsTheOpenOneAtRestart(@TempDir Path clusterDir) throws Exception {
            String state = pg.url(pg.newSchema());
            String prefix = "x" + UUID.randomUUID().toString().substring(0, 8) + ".";
            Path bData = clusterDir.resolve("node-b");
            List<String> nodeA = List.of(state, TestKafka.bootstrapServers(), prefix, "node-a");
            try (TestServer b = TestServer.start(bData, c -> new ServerConfigLoader(name -> null).parse(
                    "kmb:\n  server:\n    port: 0\n  kafka:\n    topic_prefix: " + prefix + "\n",
                    new ServerConfigLoader.Overrides(Optional.empty(), Optional.empty(), Optional.of(bData), Optional.of(state),
                            Optional.of("kafka"), Optional.of(TestKafka.bootstrapServers()), Optional.of("node-b"))))) {
                URI onB = URI.create("http://127.0.0.1:" + b.server().port());
                Path aDir = clusterDir.resolve("node-a");
                java.nio.file.Files.createDirectories(aDir);
                Process child = ChildServerProcess.start(aDir, nodeA);
                try {
                    URI onA = base(aDir);
                    String committed = begin(onA, null);
                    publish(onA, "{\"messages\":[" + message("crash.t", committed, "{\"c\":1}") + ","
                            + message("crash.t", committed, "{\"c\":2}") + "]}");
                    assertThat(json(post(onA, "/v1/transactions/" + committed + "/commit", null)).get("state").asText())
                            .isEqualTo("committed");
                    String open = begin(onA, "{\"timeout\":\"5m\"}");
                    publish(onA, "{\"messages\":[" + message("crash.t", open, "{\"o\":1}") + ","
                            + message("crash.t", open, "{\"o\":2}") + "]}");

                    HttpResponse<String> elsewhere = post(onB, "/v1/publish", message("crash.t", open, "{\"o\":3}"));
                    assertProblem(elsewhere, 409, "conflict");
                    assertThat(elsewhere.body()).contains("node-a");
                    assertProblem(post(onB, "/v1/transactions/" + open + "/commit", null), 409, "conflict");
                    assertThat(json(get(onB, "/v1/transactions/" + open)).get("state").asText()).isEqualTo("open");
                    assertThat(json(get(onB, "/v1/transactions/" + committed)).get("state").asText()).isEqualTo("committed");
                    publish(onB, message("crash.t", null, "{\"p\":1}"));

                    child.destroyForcibly();
                    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
                    child = ChildServerProcess.start(aDir, nodeA);
                    onA = base(aDir);
                    JsonNode aborted = json(get(onA, "/v1/transactions/" + open));
                    assertThat(aborted.get("state").asText()).as("Kafka aborts what the dead node left open").isEqualTo("aborted");
                    assertThat(aborted.get("reason").asText()).isEqualTo("restart");
                    assertThat(json(get(onB, "/v1/transactions/" + open)).get("state").asText()).isEqualTo("aborted");
                    assertProblem(post(onA, "/v1/transactions/" + open + "/commit", null), 409, "transaction_closed");
                    try (SseStream sse = SseStream.open(onA.resolve("/v1/subscribe/crash-sub"), Map.of())) {
                        assertThat(payloads(sse, 3)).containsExactlyInAnyOrder("{\"c\":1}", "{\"c\":2}", "{\"p\":1}");
                        assertThat(sse.poll(QUIET)).isNull();
                    }
                } finally {
                    child.destroyForcibly();
                    child.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static URI base(Path crashDir) throws IOException {
        return URI.create("http://127.0.0.1:" + java.nio.file.Files.readString(crashDir.resolve("port")).trim());
    }
}
