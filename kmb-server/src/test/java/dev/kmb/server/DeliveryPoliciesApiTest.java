package dev.kmb.server;

import static dev.kmb.server.HttpCalls.get;
import static dev.kmb.server.HttpCalls.post;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.client.KmbClient;
import dev.kmb.client.KmbConnection;
import dev.kmb.client.Message;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delivery policies through the real entry points: HTTP publish with priority, ttl and delay; consuming over
 * the WebSocket SDK; nack with a reason, term over HTTP and WebSocket; lag's scheduled count; metrics; bad input;
 * and a retry that survives a kill -9 of the server in the middle of its backoff.
 */
class DeliveryPoliciesApiTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
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

    private static void createSubscription(String body) throws Exception {
        assertThat(post(bus.base(), "/v1/subscriptions", body).statusCode()).isEqualTo(201);
    }

    private static String publishBody(String topic, String payload, String metadata) {
        return "{\"topic\":\"" + topic + "\",\"type\":\"event\",\"payload\":" + payload
                + (metadata == null ? "" : ",\"metadata\":" + metadata) + "}";
    }

    private static double metric(String line) throws Exception {
        String text = get(bus.base(), "/metrics").body();
        return text.lines().filter(l -> l.startsWith(line + " ")).mapToDouble(l -> Double.parseDouble(l.substring(line.length() + 1)))
                .findFirst().orElse(0);
    }

    @Test
    void nackWithAReasonRetriesAndTermOverHttpAndWebSocketDeadLetters() throws Exception {
        bus.topic("pol.jobs", 1);
        createSubscription("{\"name\":\"pol-jobs\",\"pattern\":\"pol.jobs\",\"start\":\"earliest\",\"backoff\":[0],\"max_deliveries\":5}");
        double rejectedBefore = metric("kmb_messages_dead_lettered_total{reason=\"rejected\"}");
        for (int i = 0; i < 3; i++) {
            assertThat(post(bus.base(), "/v1/publish", publishBody("pol.jobs", "{\"n\":" + i + "}", null)).statusCode()).isEqualTo(200);
        }
        try (KmbConnection c = bus.client.connect()) {
            Inbox inbox = new Inbox(false);
            c.subscribe("pol-jobs", inbox).join();
            List<Message> first = inbox.take(3, WAIT);
            first.get(0).nack(Optional.empty(), "downstream 503").join();
            Message retried = inbox.take(1, WAIT).get(0);
            assertThat(retried.id()).isEqualTo(first.get(0).id());
            assertThat(retried.attempt()).isEqualTo(2);
            retried.ack().join();

            HttpResponse<String> term = post(bus.base(), "/v1/subscriptions/pol-jobs/term",
                    "{\"ids\":[\"" + first.get(1).id() + "\"],\"reason\":\"cannot parse\"}");
            assertThat(term.statusCode()).isEqualTo(200);
            assertThat(json(term).get("termed").asInt()).isEqualTo(1);
            first.get(2).term("not for me").join();

            assertThat(inbox.drain(Duration.ofMillis(500))).as("termed messages are not delivered again").isEmpty();
            TestBus.await(WAIT, "both terms to be dead-lettered",
                    () -> uncheck(() -> metric("kmb_messages_dead_lettered_total{reason=\"rejected\"}")) == rejectedBefore + 2);
            TestBus.await(WAIT, "nothing pending", () -> uncheck(() -> json(get(bus.base(), "/v1/subscriptions/pol-jobs/lag"))
                    .get("pending").asLong()) == 0);
        }
    }

    @Test
    void settlesTheSdkSendsTogetherEachKeepTheirOwnKindAndReason() throws Exception {
        bus.topic("pol.batch", 1);
        createSubscription("{\"name\":\"pol-batch\",\"pattern\":\"pol.batch\",\"start\":\"earliest\",\"backoff\":[0],\"max_deliveries\":5}");
        for (int i = 0; i < 6; i++) {
            assertThat(post(bus.base(), "/v1/publish", publishBody("pol.batch", "{\"n\":" + i + "}", null)).statusCode()).isEqualTo(200);
        }
        try (KmbConnection c = bus.client.connect()) {
            Inbox inbox = new Inbox(false);
            c.subscribe("pol-batch", inbox).join();
            List<Message> first = inbox.take(6, WAIT);
            // sent within one coalescing window: the SDK groups them by kind and reason, never mixing them up
            List<java.util.concurrent.CompletableFuture<Void>> sent = List.of(
                    first.get(0).nack(Optional.empty(), "reason A"), first.get(1).nack(Optional.empty(), "reason B"),
                    first.get(2).nack(Optional.empty(), "reason A"), first.get(3).nack(Optional.empty(), "reason B"),
                    first.get(4).term("rejected outright"), first.get(5).ack());
            sent.forEach(java.util.concurrent.CompletableFuture::join);

            List<Message> again = inbox.take(4, WAIT);
            assertThat(again).extracting(Message::id).containsExactlyInAnyOrder(
                    first.get(0).id(), first.get(1).id(), first.get(2).id(), first.get(3).id());
            assertThat(again).allSatisfy(m -> assertThat(m.attempt()).isEqualTo(2));
            again.forEach(m -> m.term("done"));
            c.flushAcks();

            TestBus.await(WAIT, "five dead letters", () -> uncheck(() -> json(get(bus.base(), "/v1/dlq?subscription=pol-batch"))
                    .get("dead_letters").size()) == 5);
            java.util.Map<String, List<String>> outcomes = new java.util.HashMap<>();
            json(get(bus.base(), "/v1/dlq?subscription=pol-batch")).get("dead_letters").forEach(d ->
                    outcomes.put(d.at("/original/id").asText(), d.get("attempts").findValuesAsText("outcome")));
            assertThat(outcomes).containsOnly(
                    java.util.Map.entry(first.get(0).id().toString(), List.of("reason A", "done")),
                    java.util.Map.entry(first.get(1).id().toString(), List.of("reason B", "done")),
                    java.util.Map.entry(first.get(2).id().toString(), List.of("reason A", "done")),
                    java.util.Map.entry(first.get(3).id().toString(), List.of("reason B", "done")),
                    java.util.Map.entry(first.get(4).id().toString(), List.of("rejected outright")));
            assertThat(inbox.drain(Duration.ofMillis(300))).as("the acked message is not delivered again").isEmpty();
        }
    }

    @Test
    void priorityTtlAndDelayArriveThroughHttpPublish() throws Exception {
        bus.topic("pol.mixed", 1);
        createSubscription("{\"name\":\"pol-mixed\",\"pattern\":\"pol.mixed\",\"start\":\"earliest\",\"max_in_flight\":1}");
        double expiredBefore = metric("kmb_messages_expired_total");
        post(bus.base(), "/v1/publish", publishBody("pol.mixed", "{\"n\":\"low\"}", "{\"priority\":\"low\"}"));
        post(bus.base(), "/v1/publish", publishBody("pol.mixed", "{\"n\":\"short-lived\"}", "{\"ttl\":1}"));
        post(bus.base(), "/v1/publish", publishBody("pol.mixed", "{\"n\":\"later\"}", "{\"delay\":2}"));
        post(bus.base(), "/v1/publish", publishBody("pol.mixed", "{\"n\":\"critical\"}", "{\"priority\":\"critical\"}"));
        Thread.sleep(1_100); // let the ttl of the short-lived one run out before anyone subscribes

        JsonNode lag = json(get(bus.base(), "/v1/subscriptions/pol-mixed/lag"));
        assertThat(lag.get("pending").asLong()).isEqualTo(4);
        try (KmbConnection c = bus.client.connect()) {
            Inbox inbox = new Inbox(true);
            c.subscribe("pol-mixed", inbox).join();
            List<Message> got = inbox.take(2, WAIT);
            assertThat(got).extracting(Message::payload).containsExactly("{\"n\":\"critical\"}", "{\"n\":\"low\"}");
            TestBus.await(WAIT, "the delayed message to show as scheduled or arrive",
                    () -> uncheck(() -> json(get(bus.base(), "/v1/subscriptions/pol-mixed/lag")).get("scheduled").asInt()) == 1
                            || inbox.size() > 0);
            assertThat(inbox.take(1, WAIT)).extracting(Message::payload).containsExactly("{\"n\":\"later\"}");
            assertThat(inbox.drain(Duration.ofMillis(300))).as("the expired one never comes").isEmpty();
        }
        assertThat(metric("kmb_messages_expired_total")).isEqualTo(expiredBefore + 1);
    }

    @Test
    void badSettleInputIsAProblemAndChangesNothing() throws Exception {
        bus.topic("pol.bad", 1);
        createSubscription("{\"name\":\"pol-bad\",\"pattern\":\"pol.bad\"}");
        String id = "\"01a1ffb8-6578-7439-a5db-d1c717dd0c15\"";
        assertThat(post(bus.base(), "/v1/subscriptions/pol-bad/term", "{\"ids\":[" + id + "],\"delay\":1}").statusCode())
                .isEqualTo(422);
        assertThat(post(bus.base(), "/v1/subscriptions/pol-bad/term", "{\"ids\":[" + id + "],\"reason\":\"" + "x".repeat(1025) + "\"}")
                .statusCode()).isEqualTo(422);
        assertThat(post(bus.base(), "/v1/subscriptions/pol-bad/ack", "{\"ids\":[" + id + "],\"reason\":\"done\"}").statusCode())
                .isEqualTo(422);
        HttpResponse<String> unknown = post(bus.base(), "/v1/subscriptions/no-such/term", "{\"ids\":[" + id + "]}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("code").asText()).isEqualTo("subscription_not_found");
        HttpResponse<String> notInFlight = post(bus.base(), "/v1/subscriptions/pol-bad/term", "{\"ids\":[" + id + "]}");
        assertThat(json(notInFlight).get("termed").asInt()).isZero();
        assertThat(json(notInFlight).get("unknown").get(0).asText()).isEqualTo(id.replace("\"", ""));
    }

    @Test
    void aRetryInBackoffHappensOnceAfterAKillMinus9(@TempDir Path crashDir) throws Exception {
        Process child = ChildServerProcess.start(crashDir);
        try {
            java.util.UUID id;
            try (KmbClient client = ChildServerProcess.client(crashDir); KmbConnection c = client.connect()) {
                id = c.publish(TestBus.message("crash.t", "k", "{\"retry\":1}")).join().id();
                Inbox inbox = new Inbox(false);
                c.subscribe("crash-sub", inbox).join();
                Message m = inbox.take(1, WAIT).get(0);
                assertThat(m.id()).isEqualTo(id);
                m.nack(Optional.of(Duration.ofSeconds(3)), "try later").join(); // answered once the retry is stored
                child.destroyForcibly();
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            child = ChildServerProcess.start(crashDir);
            try (KmbClient client = ChildServerProcess.client(crashDir); KmbConnection c = client.connect()) {
                Inbox inbox = new Inbox(true);
                c.subscribe("crash-sub", inbox).join();
                Message again = inbox.take(1, WAIT).get(0);
                assertThat(again.id()).isEqualTo(id);
                assertThat(again.attempt()).as("the attempt count survived the crash").isEqualTo(2);
                assertThat(inbox.drain(Duration.ofSeconds(1))).as("and it came once").isEmpty();
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private interface IoSupplier<T> {
        T get() throws Exception;
    }

    private static <T> T uncheck(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
