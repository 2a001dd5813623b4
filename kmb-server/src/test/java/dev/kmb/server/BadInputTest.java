package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input of the HTTP API answered with its status and stable {@code code} as
 * {@code application/problem+json}, never a 500, and previously accepted data still there afterwards.
 */
class BadInputTest {

    @TempDir
    static Path dir;
    static TestServer server;
    static final String ENVELOPE = "{\"topic\":\"canary.t\",\"type\":\"event\",\"payload\":{\"ok\":true}}";

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
        server.createTopic("canary.t", 2);
        server.post("/v1/subscriptions", "{\"name\":\"canary-sub\",\"pattern\":\"canary.#\",\"start\":\"earliest\"}");
        for (int i = 0; i < 5; i++) {
            server.publish("canary.t", "k" + i, "{\"i\":" + i + "}");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** After every bad request: the canary topic still holds its 5 messages, its subscription still sees them. */
    @AfterEach
    void acceptedDataIsStillThere() {
        JsonNode page = server.get("/v1/topics/canary.t/messages").json();
        assertThat(page.get("messages")).hasSize(5);
        assertThat(server.get("/v1/subscriptions/canary-sub/lag").json().get("pending").asLong()).isEqualTo(5);
        assertThat(server.get("/v1/topics").json().get("topics").findValuesAsText("name")).containsExactly("canary.t");
    }

    record Case(String method, String path, String body, int status, String code) {
        @Override
        public String toString() {
            String b = body == null ? "" : " " + (body.length() > 60 ? body.substring(0, 60) + "…" : body);
            return method + " " + path + b + " → " + status + " " + code;
        }
    }

    static Case c(String method, String path, String body, int status, String code) {
        return new Case(method, path, body, status, code);
    }

    static Stream<Case> cases() {
        return Stream.of(
                // topics
                c("POST", "/v1/topics", "{bad", 400, "malformed_json"),
                c("POST", "/v1/topics", "", 400, "malformed_json"),
                c("POST", "/v1/topics", "[1,2]", 400, "malformed_json"),
                c("POST", "/v1/topics", "{\"name\":\"x.y\"", 400, "malformed_json"),
                c("POST", "/v1/topics", "{\"name\":\"bad name!\"}", 400, "invalid_topic"),
                c("POST", "/v1/topics", "{\"name\":\"a..b\"}", 400, "invalid_topic"),
                c("POST", "/v1/topics", "{\"name\":\"kmb.system.mine\"}", 403, "forbidden"),
                c("POST", "/v1/topics", "{\"name\":\"canary.t\"}", 409, "topic_exists"),
                c("POST", "/v1/topics", "{}", 422, "invalid_field"),
                c("POST", "/v1/topics", "{\"name\":\"x.y\",\"partitions\":0}", 422, "invalid_field"),
                c("POST", "/v1/topics", "{\"name\":\"x.y\",\"partitions\":5000}", 422, "invalid_field"),
                c("POST", "/v1/topics", "{\"name\":\"x.y\",\"partitions\":\"many\"}", 422, "invalid_field"),
                c("POST", "/v1/topics", "{\"name\":\"x.y\",\"durability\":\"forever\"}", 422, "invalid_field"),
                c("POST", "/v1/topics", "{\"name\":\"x.y\",\"compression\":\"lz4\"}", 422, "invalid_field"),
                c("POST", "/v1/topics", "{\"name\":\"x.y\",\"retention\":{\"max_age\":-5}}", 422, "invalid_field"),
                c("POST", "/v1/topics", "{\"name\":\"x.y\",\"retention\":{\"max_messages\":0}}", 422, "invalid_field"),
                c("POST", "/v1/topics", "{\"name\":\"x.y\",\"colour\":\"red\"}", 422, "invalid_field"),
                c("GET", "/v1/topics/no.such.topic", null, 404, "topic_not_found"),
                c("GET", "/v1/topics/bad%20name", null, 400, "invalid_topic"),
                c("PATCH", "/v1/topics/canary.t", "{\"partitions\":0}", 422, "invalid_field"),
                c("PATCH", "/v1/topics/canary.t", "{\"durability\":\"sometimes\"}", 422, "invalid_field"),
                c("PATCH", "/v1/topics/canary.t", "{oops", 400, "malformed_json"),
                c("PATCH", "/v1/topics/no.such.topic", "{\"partitions\":4}", 404, "topic_not_found"),
                c("DELETE", "/v1/topics/no.such.topic", null, 404, "topic_not_found"),
                // publish
                c("POST", "/v1/publish", "{bad", 400, "malformed_json"),
                c("POST", "/v1/publish", "", 400, "malformed_json"),
                c("POST", "/v1/publish", "{\"topic\":\"no.such.topic\",\"type\":\"event\",\"payload\":1}", 404, "topic_not_found"),
                c("POST", "/v1/publish", "{\"topic\":\"bad topic\",\"type\":\"event\",\"payload\":1}", 400, "invalid_topic"),
                c("POST", "/v1/publish", "{\"topic\":\"kmb.system.dlq\",\"type\":\"event\",\"payload\":1}", 403, "forbidden"),
                c("POST", "/v1/publish", "{\"topic\":\"canary.t\",\"type\":\"bogus\",\"payload\":1}", 422, "validation_failed"),
                c("POST", "/v1/publish", "{\"topic\":\"canary.t\",\"type\":\"event\",\"payload\":1,\"metadata\":{\"ttl\":-1}}", 422, "validation_failed"),
                c("POST", "/v1/publish", "{\"topic\":\"canary.t\",\"type\":\"event\"}", 422, "validation_failed"),
                c("POST", "/v1/publish", "{\"topic\":\"canary.t\",\"type\":\"event\",\"payload\":1,\"ttl\":5}", 422, "validation_failed"),
                c("POST", "/v1/publish", "{\"messages\":[]}", 422, "validation_failed"),
                c("POST", "/v1/publish", "{\"messages\":[" + ENVELOPE + ",{\"topic\":\"canary.t\",\"type\":\"nope\",\"payload\":1}]}", 422, "validation_failed"),
                c("POST", "/v1/publish", "{\"messages\":[" + ENVELOPE + ",{\"topic\":\"no.such.topic\",\"type\":\"event\",\"payload\":1}]}", 404, "topic_not_found"),
                c("POST", "/v1/publish", "{\"topic\":\"canary.t\",\"type\":\"event\",\"payload\":\"" + "x".repeat((1 << 20) + 10) + "\"}", 413, "message_too_large"),
                // replay query parameters
                c("GET", "/v1/topics/canary.t/messages?limit=abc", null, 400, "bad_request"),
                c("GET", "/v1/topics/canary.t/messages?from=not-a-time", null, 400, "bad_request"),
                c("GET", "/v1/topics/canary.t/messages?partition=x", null, 400, "bad_request"),
                c("GET", "/v1/topics/canary.t/messages?cursor=garbage", null, 400, "bad_request"),
                c("GET", "/v1/topics/canary.t/messages?limit=0", null, 422, "invalid_field"),
                c("GET", "/v1/topics/canary.t/messages?limit=5000", null, 422, "invalid_field"),
                c("GET", "/v1/topics/canary.t/messages?from_offset=2", null, 422, "invalid_field"),
                c("GET", "/v1/topics/canary.t/messages?partition=9", null, 422, "invalid_field"),
                c("GET", "/v1/topics/no.such.topic/messages", null, 404, "topic_not_found"),
                // subscriptions
                c("POST", "/v1/subscriptions", "{bad", 400, "malformed_json"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"a.**\"}", 400, "invalid_pattern"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"a..b\"}", 400, "invalid_pattern"),
                c("POST", "/v1/subscriptions", "{\"name\":\"canary-sub\",\"pattern\":\"#\"}", 409, "subscription_exists"),
                c("POST", "/v1/subscriptions", "{\"pattern\":\"#\"}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions", "{\"name\":\"bad name\",\"pattern\":\"#\"}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"mode\":\"bogus\"}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"start\":\"yesterday\"}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"ack_timeout\":-1}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"ack_timeout\":0}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"max_deliveries\":0}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"max_in_flight\":0}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"backoff\":[1,-2]}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"ordering\":\"loose\"}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"dead_letter_topic\":\"a..b\"}", 400, "invalid_topic"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"dead_letter_topic\":\"kmb.system.audit\"}", 403, "forbidden"),
                c("POST", "/v1/subscriptions", "{\"name\":\"s\",\"pattern\":\"#\",\"dead_letter_expired\":\"yes\"}", 422, "invalid_field"),
                c("GET", "/v1/subscriptions/no-such-sub", null, 404, "subscription_not_found"),
                c("DELETE", "/v1/subscriptions/no-such-sub", null, 404, "subscription_not_found"),
                c("GET", "/v1/subscriptions/no-such-sub/lag", null, 404, "subscription_not_found"),
                c("POST", "/v1/subscriptions/no-such-sub/ack", "{\"ids\":[]}", 404, "subscription_not_found"),
                c("POST", "/v1/subscriptions/canary-sub/ack", "{bad", 400, "malformed_json"),
                c("POST", "/v1/subscriptions/canary-sub/ack", "{}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions/canary-sub/ack", "{\"ids\":[\"not-a-uuid\"]}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions/canary-sub/ack", "{\"ids\":\"abc\"}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions/canary-sub/nack", "{\"ids\":[],\"delay\":-1}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions/canary-sub/seek", "{\"to\":\"sometime\"}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions/canary-sub/seek", "{}", 422, "invalid_field"),
                c("POST", "/v1/subscriptions/no-such-sub/seek", "{\"to\":\"latest\"}", 404, "subscription_not_found"),
                // routing
                c("GET", "/v1/nope", null, 404, "not_found"),
                c("GET", "/", null, 404, "not_found"),
                c("PUT", "/v1/topics", null, 405, "method_not_allowed"),
                c("DELETE", "/v1/publish", null, 405, "method_not_allowed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputIsAProblemWithItsStatusAndCode(Case c) {
        TestServer.Answer a = switch (c.method()) {
            case "POST" -> server.post(c.path(), c.body());
            case "PATCH" -> server.patch(c.path(), c.body());
            case "GET" -> server.get(c.path());
            case "DELETE" -> server.delete(c.path());
            default -> server.method(c.method(), c.path());
        };
        assertThat(a.contentType()).as(a.body()).startsWith("application/problem+json");
        assertThat(a.status()).as(a.body()).isEqualTo(c.status());
        JsonNode p = a.json();
        assertThat(p.get("code").asText()).as(a.body()).isEqualTo(c.code());
        assertThat(p.get("status").asInt()).isEqualTo(c.status());
        assertThat(p.get("type").asText()).isEqualTo("https://kmb.dev/problems/" + c.code());
        assertThat(p.get("detail").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void invalidFieldsAreAllListedWithPointers() {
        JsonNode p = server.post("/v1/subscriptions",
                "{\"name\":\"s\",\"pattern\":\"#\",\"mode\":\"bogus\",\"ack_timeout\":-1,\"start\":\"soon\"}").json();
        assertThat(p.get("errors").findValuesAsText("pointer")).containsExactlyInAnyOrder("/mode", "/ack_timeout", "/start");
        assertThat(p.get("detail").asText()).contains("bogus");
    }

    @Test
    void bodyOverTheRequestLimitIs413AndASmallerOneStillWorks(@TempDir Path other) {
        try (TestServer small = TestServer.start(other, c -> new ServerConfig(c.host(), c.port(), 16 * 1024, c.dataDir(),
                false, 4096, c.defaultDurability(), c.authentication(), true, "info", ServerConfig.LogFormat.TEXT))) {
            small.createTopic("small.t", 1);
            StringBuilder batch = new StringBuilder("{\"messages\":[");
            for (int i = 0; i < 60; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"topic\":\"small.t\",\"type\":\"event\",\"payload\":\"").append("y".repeat(300)).append("\"}");
            }
            TestServer.Answer tooBig = small.post("/v1/publish", batch.append("]}").toString());
            assertThat(tooBig.status()).isEqualTo(413);
            assertThat(tooBig.code()).isEqualTo("message_too_large");
            TestServer.Answer envelopeTooBig = small.publish("small.t", null, "\"" + "z".repeat(5000) + "\"");
            assertThat(envelopeTooBig.status()).isEqualTo(413);
            assertThat(envelopeTooBig.code()).isEqualTo("message_too_large");
            assertThat(small.publish("small.t", null, "\"fits\"").status()).isEqualTo(200);
            assertThat(small.get("/v1/topics/small.t").json().at("/partition_offsets/0/end_offset").asLong()).isEqualTo(1);
        }
    }
}
