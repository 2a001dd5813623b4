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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dead letters across a kill -9 of a server in a child JVM: what a redrive moved stays moved, nothing is lost. */
class DlqCrashTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void redrivenDeadLettersStayOutOfTheViewAfterAKillMinus9AndTheOthersStayIn(@TempDir Path dir) throws Exception {
        Process child = ChildServerProcess.start(dir);
        List<String> deadLetterIds = new ArrayList<>();
        try {
            URI base = base(dir);
            assertThat(post(base, "/v1/topics", "{\"name\":\"k9.t\",\"partitions\":2}").statusCode()).isEqualTo(201);
            // redriven into a topic nobody subscribes to, so they cannot come back as new dead letters
            assertThat(post(base, "/v1/topics", "{\"name\":\"k9.retry\",\"partitions\":1}").statusCode()).isEqualTo(201);
            assertThat(post(base, "/v1/subscriptions", """
                    {"name":"k9-sub","pattern":"k9.t","start":"earliest","max_deliveries":1,"backoff":[0]}""")
                    .statusCode()).isEqualTo(201);
            for (int i = 0; i < 3; i++) {
                post(base, "/v1/publish", "{\"topic\":\"k9.t\",\"type\":\"event\",\"key\":\"k" + i + "\",\"payload\":{}}");
            }
            try (SseStream sse = SseStream.open(base.resolve("/v1/subscribe/k9-sub"), Map.of())) {
                for (int i = 0; i < 3; i++) {
                    String id = TestServer.JSON.readTree(sse.next(WAIT).data()).get("id").asText();
                    post(base, "/v1/subscriptions/k9-sub/nack", "{\"ids\":[\"" + id + "\"]}");
                }
            }
            TestBus.await(WAIT, "three dead letters", () -> deadLetters(base).size() == 3);
            deadLetters(base).forEach(d -> deadLetterIds.add(d.get("id").asText()));
            String twoIds = "{\"ids\":[\"" + deadLetterIds.get(0) + "\",\"" + deadLetterIds.get(1)
                    + "\"],\"target_topic\":\"k9.retry\"}";
            assertThat(json(post(base, "/v1/dlq/redrive", twoIds)).get("moved").asInt()).isEqualTo(2);

            child.destroyForcibly(); // SIGKILL: no shutdown hook, no checkpoint
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            child = ChildServerProcess.start(dir);
            URI again = base(dir);

            assertThat(deadLetters(again)).extracting(d -> d.get("id").asText()).containsExactly(deadLetterIds.get(2));
            assertThat(json(post(again, "/v1/dlq/redrive", twoIds)).get("moved").asInt()).isZero();
            assertThat(json(get(again, "/v1/topics/k9.retry/messages?limit=100")).get("messages")).hasSize(2);
            assertThat(json(get(again, "/v1/topics/k9.t/messages?limit=100")).get("messages")).hasSize(3);
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static List<JsonNode> deadLetters(URI base) {
        List<JsonNode> out = new ArrayList<>();
        json(get(base, "/v1/dlq?subscription=k9-sub")).get("dead_letters").forEach(out::add);
        return out;
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return TestServer.JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(r.body(), e);
        }
    }




    private static URI base(Path dir) throws IOException {
        return URI.create("http://127.0.0.1:" + Files.readString(dir.resolve("port")).trim());
    }
}
