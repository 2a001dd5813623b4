package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Publish dedup through the API over real sockets: HTTP and WebSocket publishes of a seen id answer the first receipt
 * with {@code duplicate: true} and append nothing (replay shows one message), the topic's {@code dedup_window} on
 * create, get and patch, the window across a graceful restart, the duplicates metric, and every bad window value.
 */
class DedupApiTest {

    @TempDir
    Path dir;
    TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String message(String topic, String id, String key) {
        return "{\"id\":\"" + id + "\",\"topic\":\"" + topic + "\",\"type\":\"event\",\"key\":\"" + key + "\",\"payload\":{\"n\":1}}";
    }

    private JsonNode replay(String topic, int partition) {
        TestServer.Answer a = server.get("/v1/topics/" + topic + "/messages?partition=" + partition + "&from_offset=0&limit=100");
        assertThat(a.status()).isEqualTo(200);
        return a.json().get("messages");
    }

    /** The receipt fields a duplicate must repeat. */
    private static List<String> place(JsonNode receipt) {
        return List.of(receipt.get("id").asText(), receipt.get("topic").asText(), receipt.get("partition").asText(),
                receipt.get("offset").asText(), receipt.get("timestamp").asText());
    }

    @Test
    void anHttpRepeatAnswersTheFirstReceiptAndAppendsNothing() {
        assertThat(server.post("/v1/topics", "{\"name\":\"dd.http\",\"partitions\":3,\"dedup_window\":60}").status()).isEqualTo(201);
        String id = UUID.randomUUID().toString();
        TestServer.Answer first = server.post("/v1/publish", message("dd.http", id, "k"));
        TestServer.Answer again = server.post("/v1/publish", message("dd.http", id, "k"));

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().has("duplicate")).isFalse();
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("duplicate").asBoolean()).isTrue();
        assertThat(place(again.json())).isEqualTo(place(first.json()));
        JsonNode stored = replay("dd.http", first.json().get("partition").asInt());
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).get("id").asText()).isEqualTo(id);
        assertThat(server.get("/metrics").body()).contains("kmb_messages_duplicates_total{topic=\"dd.http\"} 1.0");
    }

    @Test
    void anHttpBatchAnswersRepeatsInOrderAndAppendsTheNewOnesOnly() {
        server.createTopic("dd.batch", 1);
        String seen = UUID.randomUUID().toString();
        JsonNode first = server.post("/v1/publish", message("dd.batch", seen, "k")).json();
        String fresh = UUID.randomUUID().toString();
        TestServer.Answer batch = server.post("/v1/publish", "{\"messages\":[" + message("dd.batch", fresh, "k") + ","
                + message("dd.batch", seen, "k") + "," + message("dd.batch", fresh, "k") + "]}");

        assertThat(batch.status()).isEqualTo(200);
        JsonNode r = batch.json().get("receipts");
        assertThat(r.get(0).has("duplicate")).isFalse();
        assertThat(place(r.get(1))).isEqualTo(place(first));
        assertThat(r.get(1).get("duplicate").asBoolean()).isTrue();
        assertThat(place(r.get(2))).isEqualTo(place(r.get(0)));
        assertThat(r.get(2).get("duplicate").asBoolean()).isTrue();
        assertThat(replay("dd.batch", 0)).hasSize(2);
    }

    @Test
    void aWebSocketRepeatAnswersTheFirstReceiptAndAppendsNothing() throws Exception {
        server.createTopic("dd.ws", 2);
        String id = UUID.randomUUID().toString();
        try (RawWs ws = RawWs.open(java.net.URI.create("http://127.0.0.1:" + server.server().port()), true)) {
            JsonNode first = ws.call("{\"op\":\"publish\",\"ref\":1,\"message\":" + message("dd.ws", id, "k") + "}");
            JsonNode again = ws.call("{\"op\":\"publish\",\"ref\":2,\"message\":" + message("dd.ws", id, "k") + "}");
            JsonNode batch = ws.call("{\"op\":\"publish\",\"ref\":3,\"messages\":[" + message("dd.ws", id, "k") + "]}");

            assertThat(first.get("op").asText()).isEqualTo("ok");
            assertThat(first.has("duplicate")).isFalse();
            assertThat(again.get("op").asText()).isEqualTo("ok");
            assertThat(again.get("duplicate").asBoolean()).isTrue();
            assertThat(place(again)).isEqualTo(place(first));
            JsonNode inBatch = batch.get("receipts").get(0);
            assertThat(inBatch.get("duplicate").asBoolean()).isTrue();
            assertThat(place(inBatch)).isEqualTo(place(first));
            // an HTTP publish of the id sees the same window
            assertThat(place(server.post("/v1/publish", message("dd.ws", id, "k")).json())).isEqualTo(place(first));
            assertThat(replay("dd.ws", first.get("partition").asInt())).hasSize(1);
        }
    }

    @Test
    void theWindowIsShownChangedByPatchAndKeptAcrossARestart() {
        TestServer.Answer created = server.post("/v1/topics", "{\"name\":\"dd.cfg\",\"dedup_window\":\"off\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("dedup_window").asInt()).isZero();
        assertThat(server.post("/v1/topics", "{\"name\":\"dd.default\"}").json().get("dedup_window").asInt()).isEqualTo(120);

        String id = UUID.randomUUID().toString();
        JsonNode a = server.post("/v1/publish", message("dd.cfg", id, "k")).json();
        JsonNode b = server.post("/v1/publish", message("dd.cfg", id, "k")).json();
        assertThat(b.has("duplicate")).as("dedup off").isFalse();
        assertThat(b.get("offset").asLong()).isEqualTo(a.get("offset").asLong() + 1);

        TestServer.Answer patched = server.patch("/v1/topics/dd.cfg", "{\"dedup_window\":2.5}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json().get("dedup_window").asDouble()).isEqualTo(2.5);
        assertThat(server.patch("/v1/topics/dd.cfg", "{\"partitions\":2}").json().get("dedup_window").asDouble())
                .as("a patch without it keeps it").isEqualTo(2.5);
        assertThat(server.patch("/v1/topics/dd.cfg", "{\"dedup_window\":300}").json().get("dedup_window").asInt()).isEqualTo(300);
        String seen = UUID.randomUUID().toString();
        JsonNode first = server.post("/v1/publish", message("dd.cfg", seen, "k")).json();

        server.restart();
        assertThat(server.get("/v1/topics/dd.cfg").json().get("dedup_window").asInt()).isEqualTo(300);
        JsonNode again = server.post("/v1/publish", message("dd.cfg", seen, "k")).json();
        assertThat(again.get("duplicate").asBoolean()).isTrue();
        assertThat(place(again)).isEqualTo(place(first));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "604801", "\"2m\"", "\"on\"", "true", "{}", "[]"})
    void aBadWindowOnCreateIs422AtItsPointerAndCreatesNothing(String value) {
        TestServer.Answer a = server.post("/v1/topics", "{\"name\":\"dd.bad\",\"dedup_window\":" + value + "}");
        assertThat(a.status()).isEqualTo(422);
        assertThat(a.code()).isEqualTo("invalid_field");
        assertThat(a.json().get("errors").get(0).get("pointer").asText()).isEqualTo("/dedup_window");
        assertThat(server.get("/v1/topics/dd.bad").status()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0.5", "1e9", "\"\"", "\"OFF \"", "false"})
    void aBadWindowOnPatchIs422AndChangesNothing(String value) {
        server.post("/v1/topics", "{\"name\":\"dd.badpatch\",\"dedup_window\":30}");
        TestServer.Answer a = server.patch("/v1/topics/dd.badpatch", "{\"dedup_window\":" + value + ",\"partitions\":4}");
        assertThat(a.status()).isEqualTo(422);
        assertThat(a.code()).isEqualTo("invalid_field");
        assertThat(a.json().get("errors").get(0).get("pointer").asText()).isEqualTo("/dedup_window");
        JsonNode topic = server.get("/v1/topics/dd.badpatch").json();
        assertThat(topic.get("dedup_window").asInt()).isEqualTo(30);
        assertThat(topic.get("partitions").asInt()).isEqualTo(1);
    }
}
