package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health, Prometheus metrics and the OpenAPI document. */
class AdminRoutesTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void healthIsOkOnceStarted() {
        TestServer.Answer a = server.get("/v1/health");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.json().get("status").asText()).isEqualTo("ok");
        assertThat(a.json().has("uptime_seconds")).isTrue();
    }

    @Test
    void metricsShowPublishesConnectionsAndLagPerSubscription() {
        server.createTopic("metrics.t", 1);
        server.post("/v1/subscriptions", "{\"name\":\"metrics-sub\",\"pattern\":\"metrics.t\"}");
        for (int i = 0; i < 3; i++) {
            server.publish("metrics.t", null, "1");
        }
        try (ConnectionMetrics.Handle h = server.server().context().connections().opened(ConnectionMetrics.Kind.SSE)) {
            TestServer.Answer a = server.get("/metrics");
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.contentType()).startsWith("text/plain");
            assertThat(a.body()).containsPattern("kmb_messages_published_total [3-9]")
                    .contains("kmb_append_latency_seconds_bucket")
                    .contains("kmb_connections_open{kind=\"sse\"} 1.0")
                    .contains("kmb_subscription_lag_pending{subscription=\"metrics-sub\"} 3.0");
        }
        assertThat(server.get("/metrics").body()).contains("kmb_connections_open{kind=\"sse\"} 0.0");
    }

    @Test
    void openApiDescribesEveryRouteTheServerRegistersAndTheStreamingOnes() {
        TestServer.Answer a = server.get("/v1/openapi.json");
        assertThat(a.status()).isEqualTo(200);
        JsonNode doc = a.json();
        assertThat(doc.get("openapi").asText()).startsWith("3.1");
        JsonNode paths = doc.get("paths");
        List<String> missing = new ArrayList<>();
        for (String route : server.server().routes()) {
            String[] mp = route.split(" ", 2);
            String method = mp[0].equals("WS") ? "get" : mp[0].toLowerCase(Locale.ROOT);
            if (!paths.path(mp[1]).has(method)) {
                missing.add(route);
            }
        }
        assertThat(missing).as("routes the server registers but the OpenAPI document lacks").isEmpty();
        assertThat(paths.has("/v1/subscribe/{name}")).isTrue();
        assertThat(paths.has("/v1/subscribe")).isTrue();
        assertThat(paths.has("/v1/ws")).isTrue();
        // every operation documents its problem answers
        paths.forEach(p -> p.properties().forEach(op -> {
            if (!op.getKey().equals("parameters")) {
                assertThat(op.getValue().get("responses").has("500")).as(op.getKey() + " documents 500").isTrue();
            }
        }));
    }
}
