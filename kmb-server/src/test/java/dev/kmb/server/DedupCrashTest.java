package dev.kmb.server;

import static dev.kmb.server.HttpCalls.get;
import static dev.kmb.server.HttpCalls.post;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dedup window across a kill -9 of a server in a child JVM: it is not stored anywhere but the log, so the next
 * start reads it back and a repeat of an acknowledged id still answers the first receipt and appends nothing.
 */
class DedupCrashTest {


    @Test
    void aRepeatAfterAKillMinus9IsStillADuplicate(@TempDir Path dir) throws Exception {
        Process child = ChildServerProcess.start(dir);
        try {
            URI base = base(dir);
            assertThat(post(base, "/v1/topics", "{\"name\":\"k9.dedup\",\"partitions\":3}").statusCode()).isEqualTo(201);
            assertThat(post(base, "/v1/topics", "{\"name\":\"k9.nodedup\",\"partitions\":1,\"dedup_window\":0}")
                    .statusCode()).isEqualTo(201);
            List<String> ids = new ArrayList<>();
            List<JsonNode> first = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ids.add(UUID.randomUUID().toString());
                first.add(json(post(base, "/v1/publish", message("k9.dedup", ids.get(i), "k" + i))));
            }
            String plain = UUID.randomUUID().toString();
            json(post(base, "/v1/publish", message("k9.nodedup", plain, "k")));

            child.destroyForcibly(); // SIGKILL: no shutdown hook, nothing flushed beyond what each publish awaited
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            child = ChildServerProcess.start(dir);
            URI again = base(dir);

            for (int i = 0; i < 10; i++) {
                JsonNode r = json(post(again, "/v1/publish", message("k9.dedup", ids.get(i), "k" + i)));
                assertThat(r.path("duplicate").asBoolean()).as("id %d after kill -9", i).isTrue();
                for (String field : List.of("id", "topic", "partition", "offset", "timestamp")) {
                    assertThat(r.get(field)).as(field).isEqualTo(first.get(i).get(field));
                }
            }
            long stored = 0;
            for (int p = 0; p < 3; p++) {
                stored += json(get(again, "/v1/topics/k9.dedup/messages?partition=" + p + "&from_offset=0&limit=100"))
                        .get("messages").size();
            }
            assertThat(stored).isEqualTo(10);
            // a topic with dedup off appends the repeat
            assertThat(json(post(again, "/v1/publish", message("k9.nodedup", plain, "k"))).has("duplicate")).isFalse();
            assertThat(json(get(again, "/v1/topics/k9.nodedup/messages?partition=0&from_offset=0&limit=100"))
                    .get("messages")).hasSize(2);
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String message(String topic, String id, String key) {
        return "{\"id\":\"" + id + "\",\"topic\":\"" + topic + "\",\"type\":\"event\",\"key\":\"" + key + "\",\"payload\":{}}";
    }

    private static URI base(Path dir) throws IOException {
        return URI.create("http://127.0.0.1:" + Files.readString(dir.resolve("port")).trim());
    }

    private static JsonNode json(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        try {
            return TestServer.JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(r.body(), e);
        }
    }



}
