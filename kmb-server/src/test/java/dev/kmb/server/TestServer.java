package dev.kmb.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** A real {@link KmbServer} on a free loopback port plus a JDK HTTP client that talks to it over a socket. */
final class TestServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Path dataDir;
    private final UnaryOperator<ServerConfig> tweak;
    private KmbServer server;

    private TestServer(Path dataDir, UnaryOperator<ServerConfig> tweak) {
        this.dataDir = dataDir;
        this.tweak = tweak;
        this.server = KmbServer.start(config());
    }

    static TestServer start(Path dataDir) {
        return new TestServer(dataDir, c -> c);
    }

    static TestServer start(Path dataDir, UnaryOperator<ServerConfig> tweak) {
        return new TestServer(dataDir, tweak);
    }

    private ServerConfig config() {
        return tweak.apply(ServerConfig.defaults().withPort(0).withDataDir(dataDir));
    }

    KmbServer server() {
        return server;
    }

    /** Graceful stop and start again on the same data directory (a new port). */
    void restart() {
        server.close();
        server = KmbServer.start(config());
    }

    /** One answer: status, the Content-Type and Retry-After headers, the body as text and as JSON. */
    record Answer(int status, String contentType, String retryAfter, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The problem {@code code}, or "" when the body is not a problem. */
        String code() {
            return contentType.startsWith("application/problem+json") ? json().path("code").asText() : "";
        }
    }

    Answer get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Answer delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    Answer post(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Answer post(String path, byte[] body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    Answer patch(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
    }

    Answer method(String method, String path) {
        return send(HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                    r.headers().firstValue("Retry-After").orElse(null), r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ shortcuts used by many tests

    Answer createTopic(String name, int partitions) {
        return post("/v1/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions + ",\"durability\":\"durable\"}");
    }

    Answer publish(String topic, String key, String payloadJson) {
        String k = key == null ? "" : ",\"key\":\"" + key + "\"";
        return post("/v1/publish", "{\"topic\":\"" + topic + "\",\"type\":\"event\"" + k + ",\"payload\":" + payloadJson + "}");
    }

    @Override
    public void close() {
        server.close();
    }
}
