package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.client.KmbConnection;
import dev.kmb.client.Message;
import dev.kmb.client.Receipt;
import dev.kmb.core.Envelope;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SSE subscribe over real sockets: ordering, wildcards, resume, keep-alive, members leaving, and every bad input. */
class SseSubscribeTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestBus bus;
    static KmbConnection ws;

    @BeforeAll
    static void start() {
        System.setProperty(StreamSettings.KEEP_ALIVE_PROPERTY, "200");
        bus = new TestBus(dir);
        ws = bus.client.connect();
    }

    @AfterAll
    static void stop() {
        System.clearProperty(StreamSettings.KEEP_ALIVE_PROPERTY);
        ws.close();
        bus.close();
    }

    private static SseStream ephemeral(String pattern, String start, Map<String, String> headers) throws Exception {
        return SseStream.open(bus.uri("/v1/subscribe?pattern=" + URLEncoder.encode(pattern, StandardCharsets.UTF_8)
                + "&start=" + start), headers);
    }

    private static List<Receipt> publish(String topic, String key, int from, int to) {
        List<Envelope> batch = new ArrayList<>();
        for (int i = from; i < to; i++) {
            batch.add(TestBus.message(topic, key, "{\"n\":" + i + "}"));
        }
        return ws.publishBatch(batch).join();
    }

    @Test
    void deliversEveryMessageInOrderPerKey() throws Exception {
        bus.topic("sse.orders", 3);
        try (SseStream sse = ephemeral("sse.orders", "latest", Map.of())) {
            assertThat(sse.status).isEqualTo(200);
            assertThat(sse.contentType).startsWith("text/event-stream");
            for (String key : List.of("k1", "k2", "k3")) {
                publish("sse.orders", key, 0, 10);
            }
            Map<String, List<Integer>> byKey = new HashMap<>();
            for (int i = 0; i < 30; i++) {
                SseStream.Event e = sse.next(WAIT);
                assertThat(e.event()).isEqualTo("message");
                assertThat(e.id()).startsWith("sse.orders:");
                JsonNode m = JSON.readTree(e.data());
                assertThat(m.get("topic").asText()).isEqualTo("sse.orders");
                assertThat(m.has("partition") && m.has("offset") && m.has("delivery_attempt")).isTrue();
                byKey.computeIfAbsent(m.get("key").asText(), k -> new ArrayList<>()).add(m.get("payload").get("n").asInt());
            }
            List<Integer> expected = java.util.stream.IntStream.range(0, 10).boxed().toList();
            assertThat(byKey).hasSize(3).allSatisfy((k, ns) -> assertThat(ns).containsExactlyElementsOf(expected));
        }
    }

    @Test
    void wildcardsFollowAmqpRules() throws Exception {
        bus.topic("wild.a.x", 1);
        bus.topic("wild.b.x", 1);
        bus.topic("wild.a.b.x", 1);
        try (SseStream one = ephemeral("wild.*.x", "earliest", Map.of()); SseStream any = ephemeral("wild.#", "earliest", Map.of())) {
            publish("wild.a.x", null, 0, 1);
            publish("wild.b.x", null, 0, 1);
            publish("wild.a.b.x", null, 0, 1);
            Set<String> viaOne = new HashSet<>();
            Set<String> viaAny = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                viaAny.add(JSON.readTree(any.next(WAIT).data()).get("topic").asText());
            }
            for (int i = 0; i < 2; i++) {
                viaOne.add(JSON.readTree(one.next(WAIT).data()).get("topic").asText());
            }
            assertThat(viaAny).containsExactlyInAnyOrder("wild.a.x", "wild.b.x", "wild.a.b.x");
            assertThat(viaOne).containsExactlyInAnyOrder("wild.a.x", "wild.b.x");
            assertThat(one.poll(Duration.ofMillis(300))).as("wild.*.x must not match wild.a.b.x").isNull();
        }
    }

    @Test
    void lastEventIdResumesWithoutLossOrRepeats() throws Exception {
        bus.topic("sse.resume", 2);
        publish("sse.resume", "a", 0, 10);
        publish("sse.resume", "b", 10, 20);
        Set<String> seen = new HashSet<>();
        String last;
        try (SseStream first = ephemeral("sse.resume", "earliest", Map.of())) {
            SseStream.Event e = null;
            for (int i = 0; i < 7; i++) {
                e = first.next(WAIT);
                assertThat(seen.add(JSON.readTree(e.data()).get("id").asText())).isTrue();
            }
            last = e.id();
        }
        publish("sse.resume", "a", 20, 25);
        publish("sse.resume", "b", 25, 30);
        try (SseStream resumed = ephemeral("sse.resume", "latest", Map.of("Last-Event-ID", last))) {
            for (int i = 0; i < 23; i++) {
                String id = JSON.readTree(resumed.next(WAIT).data()).get("id").asText();
                assertThat(seen.add(id)).as("redelivered after resume: " + id).isTrue();
            }
            assertThat(resumed.poll(Duration.ofMillis(300))).isNull();
        }
        assertThat(seen).hasSize(30);
        // the query parameter works the same as the header
        try (SseStream viaQuery = SseStream.open(bus.uri("/v1/subscribe?pattern=sse.resume&last_event_id="
                + URLEncoder.encode(last, StandardCharsets.UTF_8)), Map.of())) {
            assertThat(viaQuery.status).isEqualTo(200);
            viaQuery.next(WAIT);
        }
    }

    @Test
    void keepAliveCommentsFlowOnAnIdleStream() throws Exception {
        bus.topic("sse.idle", 1);
        try (SseStream sse = ephemeral("sse.idle", "latest", Map.of())) {
            TestBus.await(WAIT, "a keep-alive comment", () -> sse.comments.contains("keep-alive"));
        }
    }

    @Test
    void aDurableMemberThatLeavesHandsItsUnackedMessagesToTheOthers() throws Exception {
        bus.topic("sse.shared", 1);
        bus.subscription("sse-shared", "sse.shared", SubscriptionMode.SHARED, b -> b.maxInFlight(5));
        List<Receipt> sent = publish("sse.shared", null, 0, 5);
        Inbox other = new Inbox(true);
        try (SseStream a = SseStream.open(bus.uri("/v1/subscribe/sse-shared"), Map.of())) {
            for (int i = 0; i < 5; i++) {
                SseStream.Event e = a.next(WAIT);
                assertThat(JSON.readTree(e.data()).get("subscription").asText()).isEqualTo("sse-shared");
                assertThat(e.id()).isEqualTo("sse.shared:0:" + i); // durable cursors are topic:partition:offset
            }
            ws.subscribe("sse-shared", other).join();
        } // a leaves without acking
        List<Message> redelivered = other.take(5, WAIT);
        assertThat(redelivered).extracting(Message::id).containsExactlyInAnyOrderElementsOf(sent.stream().map(Receipt::id).toList());
        assertThat(redelivered).allSatisfy(m -> assertThat(m.attempt()).isEqualTo(2));
    }

    @Test
    void exclusiveSubscriptionRefusesASecondMember() throws Exception {
        bus.topic("sse.excl", 1);
        bus.subscription("sse-excl", "sse.excl", SubscriptionMode.EXCLUSIVE, b -> { });
        try (SseStream first = SseStream.open(bus.uri("/v1/subscribe/sse-excl"), Map.of());
             SseStream second = SseStream.open(bus.uri("/v1/subscribe/sse-excl"), Map.of())) {
            assertThat(first.status).isEqualTo(200);
            assertProblem(second, 409, "conflict");
        }
    }

    @Test
    void badRequestsAreProblemsBeforeTheStreamStarts() throws Exception {
        assertProblem(SseStream.open(bus.uri("/v1/subscribe/no-such-sub"), Map.of()), 404, "subscription_not_found");
        assertProblem(SseStream.open(bus.uri("/v1/subscribe?pattern=a..b"), Map.of()), 400, "invalid_pattern");
        assertProblem(SseStream.open(bus.uri("/v1/subscribe"), Map.of()), 400, "bad_request");
        assertProblem(SseStream.open(bus.uri("/v1/subscribe?pattern=a.b&start=yesterday"), Map.of()), 400, "bad_request");
        assertProblem(SseStream.open(bus.uri("/v1/subscribe?pattern=a.b"), Map.of("Last-Event-ID", "garbage")), 400, "bad_request");
        assertProblem(SseStream.open(bus.uri("/v1/subscribe?pattern=a.b&last_event_id=a.b:x:1"), Map.of()), 400, "bad_request");
    }

    private static void assertProblem(SseStream response, int status, String code) throws Exception {
        assertThat(response.status).isEqualTo(status);
        assertThat(response.contentType).startsWith("application/problem+json");
        JsonNode problem = JSON.readTree(response.errorBody());
        assertThat(problem.get("code").asText()).isEqualTo(code);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("type").asText()).endsWith("/" + code);
    }
}
