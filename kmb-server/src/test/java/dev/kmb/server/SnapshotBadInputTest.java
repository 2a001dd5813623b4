package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input of the snapshot routes answered with its status and stable {@code code} as problem JSON, never
 * a 500, and the canary topic and its snapshot untouched afterwards.
 */
class SnapshotBadInputTest {

    @TempDir
    static Path dir;
    static TestServer server;
    static String canary;
    static final String UNKNOWN = UUID.randomUUID().toString();

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
        server.createTopic("canary.snap", 2);
        SnapshotTestData.publish(server, "canary.snap", 0, 10, 3, false);
        canary = server.post("/v1/topics/canary.snap/snapshots", "").json().get("id").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void acceptedDataIsStillThere() {
        assertThat(SnapshotTestData.replayAll(server, "canary.snap")).hasSize(10);
        assertThat(server.get("/v1/topics").json().get("topics").findValuesAsText("name")).containsExactly("canary.snap");
        JsonNode list = server.get("/v1/snapshots").json().get("snapshots");
        assertThat(list.findValuesAsText("id")).containsExactly(canary);
        assertThat(list.get(0).at("/manifest/message_count").asLong()).isEqualTo(10);
    }

    record Case(String method, String path, String body, int status, String code) {
        @Override
        public String toString() {
            return method + " " + path.replace(canary == null ? "-" : canary, "{id}") + (body == null ? "" : " " + body)
                    + " → " + status + " " + code;
        }
    }

    static Case c(String method, String path, String body, int status, String code) {
        return new Case(method, path, body, status, code);
    }

    static Stream<Case> cases() {
        String restore = "/v1/snapshots/" + canary + "/restore";
        return Stream.of(
                c("POST", "/v1/topics/no.such.topic/snapshots", null, 404, "topic_not_found"),
                c("POST", "/v1/topics/bad%20name/snapshots", null, 400, "invalid_topic"),
                c("POST", "/v1/topics/a..b/snapshots", null, 400, "invalid_topic"),
                c("GET", "/v1/topics/canary.snap/snapshots", null, 405, "method_not_allowed"),
                c("GET", "/v1/snapshots?topic=bad%20name", null, 400, "invalid_topic"),
                c("GET", "/v1/snapshots/not-a-uuid", null, 400, "bad_request"),
                c("GET", "/v1/snapshots/..%2F..%2Flog", null, 400, "bad_request"),
                c("GET", "/v1/snapshots/" + UNKNOWN, null, 404, "snapshot_not_found"),
                c("DELETE", "/v1/snapshots/not-a-uuid", null, 400, "bad_request"),
                c("DELETE", "/v1/snapshots/" + UNKNOWN, null, 404, "snapshot_not_found"),
                c("PUT", "/v1/snapshots/" + UNKNOWN, null, 405, "method_not_allowed"),
                c("POST", "/v1/snapshots/not-a-uuid/restore", null, 400, "bad_request"),
                c("POST", "/v1/snapshots/" + UNKNOWN + "/restore", null, 404, "snapshot_not_found"),
                c("POST", "/v1/snapshots/" + UNKNOWN + "/restore", "{\"topic\":\"fresh.topic\"}", 404, "snapshot_not_found"),
                c("POST", restore, "{bad", 400, "malformed_json"),
                c("POST", restore, "[1]", 400, "malformed_json"),
                c("POST", restore, "{\"topic\":\"bad name!\"}", 400, "invalid_topic"),
                c("POST", restore, "{\"topic\":[\"a.b\"]}", 422, "invalid_field"),
                c("POST", restore, "{\"colour\":\"red\"}", 422, "invalid_field"),
                c("POST", restore, "{\"topic\":\"kmb.system.dlq\"}", 403, "forbidden"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputIsAProblemWithItsStatusAndCode(Case c) {
        TestServer.Answer a = switch (c.method()) {
            case "POST" -> server.post(c.path(), c.body() == null ? "" : c.body());
            case "GET" -> server.get(c.path());
            case "DELETE" -> server.delete(c.path());
            default -> server.method(c.method(), c.path());
        };
        assertThat(a.contentType()).as(a.body()).startsWith("application/problem+json");
        assertThat(a.status()).as(a.body()).isEqualTo(c.status());
        JsonNode p = a.json();
        assertThat(p.get("code").asText()).as(a.body()).isEqualTo(c.code());
        assertThat(p.get("detail").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
    }
}
