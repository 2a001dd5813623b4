package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kmb.client.KmbClient;
import dev.kmb.core.Envelope;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots across a kill -9 of a server in a child JVM: a finished snapshot survives and restores whole; one cut
 * short by the kill is never listed, and its files are gone after the restart.
 */
class SnapshotCrashTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MESSAGES = 20_000;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aFinishedSnapshotSurvivesKillMinus9AndOneCutShortLeavesNothing(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path snapshots = data.resolve("snapshots").resolve("default");
        Process child = ChildServerProcess.start(dir);
        try {
            URI base = base(dir);
            try (KmbClient client = ChildServerProcess.client(dir)) {
                for (int start = 0; start < MESSAGES; start += 1000) {
                    List<Envelope> batch = new ArrayList<>();
                    for (int i = start; i < start + 1000; i++) {
                        batch.add(TestBus.message("crash.t", "k" + (i % 31), "{\"n\":" + i + ",\"pad\":\"" + "p".repeat(200) + "\"}"));
                    }
                    client.publishBatch(batch);
                }
            }
            HttpResponse<String> first = post(base.resolve("/v1/topics/crash.t/snapshots"), "");
            assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
            String finished = TestServer.JSON.readTree(first.body()).get("id").asText();

            URI before = base;
            Thread.ofVirtual().start(() -> {
                try {
                    post(before.resolve("/v1/topics/crash.t/snapshots"), ""); // cut short by the kill (or done before it)
                } catch (IOException | InterruptedException e) {
                    // the server died under it
                }
            });
            TestBus.await(WAIT, "the second snapshot to start writing", () -> !temps(snapshots).isEmpty() || count(snapshots) > 1);
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();

            child = ChildServerProcess.start(dir);
            base = base(dir);
            assertThat(temps(snapshots)).as("unfinished snapshot directories after the restart").isEmpty();
            JsonNode list = TestServer.JSON.readTree(get(base.resolve("/v1/snapshots")).body()).get("snapshots");
            assertThat(list.findValuesAsText("id")).contains(finished);
            int n = 0;
            for (JsonNode s : list) {
                HttpResponse<String> restored = post(base.resolve("/v1/snapshots/" + s.get("id").asText() + "/restore"),
                        "{\"topic\":\"crash.copy" + n++ + "\"}");
                assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
                assertThat(TestServer.JSON.readTree(restored.body()).get("restored").asLong())
                        .isEqualTo(s.at("/manifest/message_count").asLong()).isEqualTo(MESSAGES);
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static List<Path> temps(Path snapshots) {
        if (!Files.isDirectory(snapshots)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(snapshots)) {
            return entries.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        } catch (IOException e) {
            return List.of(); // the directory changed under us: look again
        }
    }

    private static long count(Path snapshots) {
        try (Stream<Path> entries = Files.list(snapshots)) {
            return entries.count();
        } catch (IOException e) {
            return 0;
        }
    }

    private HttpResponse<String> post(URI uri, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(WAIT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI base(Path dir) throws IOException {
        return URI.create("http://127.0.0.1:" + Files.readString(dir.resolve("port")).trim());
    }
}
