package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kmb.broker.PartitionLag;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.client.KmbConnection;
import dev.kmb.client.KmbException;
import dev.kmb.client.Message;
import dev.kmb.client.Receipt;
import dev.kmb.client.Subscription;
import dev.kmb.core.Envelope;
import dev.kmb.core.ProblemCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /v1/ws protocol over real sockets with kmb-client and a hand-driven JDK WebSocket: modes, settling, errors, flow control. */
class WebSocketTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

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

    private static List<Receipt> publish(KmbConnection c, String topic, String key, int n) {
        List<CompletableFuture<Receipt>> pipelined = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pipelined.add(c.publish(TestBus.message(topic, key, "{\"n\":" + i + "}")));
        }
        return pipelined.stream().map(CompletableFuture::join).toList();
    }

    private static int n(Message m) {
        return Integer.parseInt(m.payload().replaceAll("\\D", ""));
    }

    @Test
    void pipelinedPublishesArriveInOrderPerKey() throws Exception {
        bus.topic("ws.orders", 4);
        bus.subscription("ws-orders", "ws.orders", SubscriptionMode.SHARED, b -> { });
        try (KmbConnection c = bus.client.connect()) {
            Inbox inbox = new Inbox(true);
            Subscription s = c.subscribe("ws-orders", inbox).join();
            assertThat(s.name()).isEqualTo("ws-orders");
            Map<String, List<Receipt>> receipts = new HashMap<>();
            for (String key : List.of("a", "b", "c")) {
                receipts.put(key, publish(c, "ws.orders", key, 20));
            }
            receipts.values().forEach(rs -> assertThat(rs).extracting(Receipt::offset).isSorted());
            Map<String, List<Integer>> byKey = new HashMap<>();
            for (Message m : inbox.take(60, WAIT)) {
                assertThat(m.subscription()).isEqualTo("ws-orders");
                assertThat(m.attempt()).isEqualTo(1);
                byKey.computeIfAbsent(m.key().orElseThrow(), k -> new ArrayList<>()).add(n(m));
            }
            assertThat(byKey).hasSize(3).allSatisfy((k, ns) -> assertThat(ns).containsExactlyElementsOf(IntStream.range(0, 20).boxed().toList()));
        }
    }

    @Test
    void sharedMembersSplitTheMessages() throws Exception {
        bus.topic("ws.shared", 1);
        bus.subscription("ws-shared", "ws.shared", SubscriptionMode.SHARED, b -> b.maxInFlight(10));
        try (KmbConnection a = bus.client.connect(); KmbConnection b = bus.client.connect()) {
            Inbox ia = new Inbox(true);
            Inbox ib = new Inbox(true);
            a.subscribe("ws-shared", ia).join();
            b.subscribe("ws-shared", ib).join();
            List<Receipt> sent = publish(a, "ws.shared", null, 200);
            TestBus.await(WAIT, "200 deliveries", () -> ia.size() + ib.size() >= 200);
            List<Message> got = new ArrayList<>(ia.drain(Duration.ofMillis(100)));
            int fromA = got.size();
            got.addAll(ib.drain(Duration.ofMillis(100)));
            assertThat(fromA).isBetween(1, 199);
            assertThat(got).extracting(Message::id).containsExactlyInAnyOrderElementsOf(sent.stream().map(Receipt::id).toList());
        }
    }

    @Test
    void keySharedKeepsEachKeyOnOneMemberInOrder() throws Exception {
        bus.topic("ws.keys", 4);
        bus.subscription("ws-keys", "ws.keys", SubscriptionMode.KEY_SHARED, b -> b.maxInFlight(50));
        try (KmbConnection a = bus.client.connect(); KmbConnection b = bus.client.connect()) {
            Inbox ia = new Inbox(true);
            Inbox ib = new Inbox(true);
            a.subscribe("ws-keys", ia).join();
            b.subscribe("ws-keys", ib).join();
            for (int k = 0; k < 12; k++) {
                publish(a, "ws.keys", "key-" + k, 10);
            }
            TestBus.await(WAIT, "120 deliveries", () -> ia.size() + ib.size() >= 120);
            Map<String, List<Integer>> onA = group(ia.drain(Duration.ofMillis(100)));
            Map<String, List<Integer>> onB = group(ib.drain(Duration.ofMillis(100)));
            assertThat(onA.keySet()).doesNotContainAnyElementsOf(onB.keySet());
            assertThat(onA.size() + onB.size()).isEqualTo(12);
            assertThat(onA).isNotEmpty();
            assertThat(onB).isNotEmpty();
            List<Integer> inOrder = IntStream.range(0, 10).boxed().toList();
            onA.values().forEach(ns -> assertThat(ns).containsExactlyElementsOf(inOrder));
            onB.values().forEach(ns -> assertThat(ns).containsExactlyElementsOf(inOrder));
        }
    }

    private static Map<String, List<Integer>> group(List<Message> ms) {
        Map<String, List<Integer>> out = new HashMap<>();
        ms.forEach(m -> out.computeIfAbsent(m.key().orElseThrow(), k -> new ArrayList<>()).add(n(m)));
        return out;
    }

    @Test
    void exclusiveRefusesASecondMember() {
        bus.topic("ws.excl", 1);
        bus.subscription("ws-excl", "ws.excl", SubscriptionMode.EXCLUSIVE, b -> { });
        try (KmbConnection a = bus.client.connect(); KmbConnection b = bus.client.connect()) {
            a.subscribe("ws-excl", new Inbox(true)).join();
            assertThatThrownBy(() -> b.subscribe("ws-excl", new Inbox(true)).join())
                    .isInstanceOf(CompletionException.class).cause().isInstanceOf(KmbException.class)
                    .satisfies(e -> assertThat(((KmbException) e).problem().status()).isEqualTo(409));
        }
    }

    @Test
    void failoverHandsOverWhenTheActiveMemberLeaves() throws Exception {
        bus.topic("ws.failover", 1);
        bus.subscription("ws-failover", "ws.failover", SubscriptionMode.FAILOVER, b -> { });
        try (KmbConnection a = bus.client.connect(); KmbConnection b = bus.client.connect()) {
            Inbox ia = new Inbox(false);
            Inbox ib = new Inbox(true);
            a.subscribe("ws-failover", ia).join();
            b.subscribe("ws-failover", ib).join();
            publish(a, "ws.failover", null, 10);
            List<Message> first = ia.take(10, WAIT);
            for (Message m : first.subList(0, 5)) {
                m.ack().join();
            }
            assertThat(ib.size()).as("the standby gets nothing while the active member lives").isZero();
            a.close();
            List<Message> taken = ib.take(5, WAIT);
            assertThat(taken).extracting(WebSocketTest::n).containsExactly(5, 6, 7, 8, 9);
            publish(b, "ws.failover", null, 3);
            assertThat(ib.take(3, WAIT)).extracting(WebSocketTest::n).containsExactly(0, 1, 2);
        }
    }

    @Test
    void anUnackedMessageIsRedeliveredAfterTheAckTimeout() throws Exception {
        bus.topic("ws.timeout", 1);
        bus.subscription("ws-timeout", "ws.timeout", SubscriptionMode.SHARED,
                b -> b.ackTimeout(Duration.ofSeconds(1)).backoff(List.of(Duration.ZERO)));
        try (KmbConnection c = bus.client.connect()) {
            Inbox inbox = new Inbox(false);
            c.subscribe("ws-timeout", inbox).join();
            Receipt r = publish(c, "ws.timeout", null, 1).get(0);
            Message first = inbox.take(1, WAIT).get(0);
            Message again = inbox.take(1, WAIT).get(0);
            assertThat(first.id()).isEqualTo(r.id());
            assertThat(again.id()).isEqualTo(r.id());
            assertThat(first.attempt()).isEqualTo(1);
            assertThat(again.attempt()).isEqualTo(2);
            again.ack().join();
            assertThat(inbox.drain(Duration.ofMillis(1500))).isEmpty();
        }
    }

    @Test
    void aNackedMessageIsRedelivered() throws Exception {
        bus.topic("ws.nack", 1);
        bus.subscription("ws-nack", "ws.nack", SubscriptionMode.SHARED, b -> b.backoff(List.of(Duration.ofSeconds(30))));
        try (KmbConnection c = bus.client.connect()) {
            Inbox inbox = new Inbox(false);
            c.subscribe("ws-nack", inbox).join();
            publish(c, "ws.nack", null, 1);
            Message first = inbox.take(1, WAIT).get(0);
            first.nack(Duration.ZERO).join();
            Message again = inbox.take(1, WAIT).get(0);
            assertThat(again.id()).isEqualTo(first.id());
            assertThat(again.attempt()).isEqualTo(2);
        }
    }

    @Test
    void anEphemeralSubscriptionResumesFromItsCursor() throws Exception {
        bus.topic("ws.eph", 2);
        try (KmbConnection c = bus.client.connect()) {
            publish(c, "ws.eph", "x", 10);
            publish(c, "ws.eph", "y", 10);
            Inbox first = new Inbox(true);
            Subscription s = c.subscribe("ws.eph", "earliest", first).join();
            assertThat(s.isDurable()).isFalse();
            Set<java.util.UUID> seen = new HashSet<>();
            first.take(20, WAIT).forEach(m -> seen.add(m.id()));
            // the client stores a frame's cursor once the frame's messages are handed over: wait for the one
            // that covers all 20 (regression: reading it too early resumed with an empty cursor, a 400)
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!covers(s.cursor(), 20) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            String cursor = s.cursor();
            s.unsubscribe().join();
            publish(c, "ws.eph", "x", 5);
            Inbox second = new Inbox(true);
            c.subscribe("ws.eph", "latest", cursor, second).join();
            for (Message m : second.take(5, WAIT)) {
                assertThat(seen.add(m.id())).isTrue();
            }
            assertThat(seen).hasSize(25);
        }
    }

    /** True when an ephemeral cursor's next offsets add up to {@code total} messages handed out. */
    private static boolean covers(String cursor, long total) {
        if (cursor.isEmpty()) {
            return false;
        }
        long sum = 0;
        for (String part : cursor.split(",")) {
            sum += Long.parseLong(part.substring(part.lastIndexOf(':') + 1));
        }
        return sum >= total;
    }

    @Test
    void badFramesAreAnsweredWithProblemsAndTheConnectionStays() throws Exception {
        try (RawWs ws = RawWs.open(bus.base(), true)) {
            assertError(ws.call("not json"), null, "malformed_json");
            assertError(ws.call("{\"op\":\"fly\",\"ref\":1}"), "1", "bad_request");
            assertError(ws.call("{\"op\":\"ping\"}"), null, "bad_request");
            assertError(ws.call("{\"op\":\"ack\",\"ref\":\"a\"}"), "a", "bad_request");
            assertError(ws.call("{\"op\":\"ack\",\"ref\":2,\"subscription\":\"s\",\"ids\":[\"nope\"]}"), "2", "bad_request");
            assertError(ws.call("{\"op\":\"publish\",\"ref\":3,\"message\":{\"topic\":\"a.b\"}}"), "3", "validation_failed");
            assertError(ws.call("{\"op\":\"subscribe\",\"ref\":4,\"subscription\":\"no-such\"}"), "4", "subscription_not_found");
            assertError(ws.call("{\"op\":\"subscribe\",\"ref\":5,\"pattern\":\"a..b\"}"), "5", "bad_request");
            assertError(ws.call("{\"op\":\"unsubscribe\",\"ref\":6,\"subscription\":\"x\"}"), "6", "subscription_not_found");
            JsonNode pong = ws.call("{\"op\":\"ping\",\"ref\":\"still-here\"}");
            assertThat(pong.get("op").asText()).isEqualTo("ok");
            assertThat(pong.get("ref").asText()).isEqualTo("still-here");
            assertThat(pong.has("time")).isTrue();
        }
    }

    @Test
    void binaryFramesCarryTheSameJsonAndTheServerAnswersInTheKindAskedFor() throws Exception {
        bus.topic("ws.binary", 1);
        String payload = "{\"s\": \"é ✓ 😀\", \"n\": 1.50}";
        try (RawWs ws = RawWs.open(bus.base(), "?frames=binary", true)) {
            ws.sendBinary("{\"op\":\"subscribe\",\"ref\":1,\"pattern\":\"ws.binary\",\"start\":\"earliest\"}");
            RawWs.Received subscribed = ws.nextRaw(WAIT);
            assertThat(subscribed.binary()).isTrue();
            assertThat(JSON.readTree(subscribed.text()).get("op").asText()).isEqualTo("ok");
            ws.sendBinary("{\"op\":\"publish\",\"ref\":2,\"message\":{\"topic\":\"ws.binary\",\"type\":\"event\",\"payload\":"
                    + payload + "}}");
            List<RawWs.Received> got = List.of(ws.nextRaw(WAIT), ws.nextRaw(WAIT)); // the receipt and the delivery, either order
            assertThat(got).allMatch(RawWs.Received::binary);
            JsonNode delivery = got.stream().map(r -> readTree(r.text())).filter(f -> f.get("op").asText().equals("message"))
                    .findFirst().orElseThrow();
            assertThat(got.stream().map(r -> readTree(r.text()).get("op").asText())).containsExactlyInAnyOrder("ok", "message");
            String raw = got.stream().map(RawWs.Received::text).filter(t -> t.startsWith("{\"op\":\"message\"")).findFirst().orElseThrow();
            assertThat(raw).contains("\"payload\":" + payload); // the payload's bytes, untouched, non-ASCII included
            assertThat(delivery.get("message").get("offset").asLong()).isZero();
            // text frames are still accepted on a binary connection; the answer stays binary
            ws.send("{\"op\":\"ping\",\"ref\":3}");
            assertThat(ws.nextRaw(WAIT).binary()).isTrue();
            ws.sendBinary("not json");
            RawWs.Received bad = ws.nextRaw(WAIT);
            assertThat(bad.binary()).isTrue();
            assertError(JSON.readTree(bad.text()), null, "malformed_json");
        }
        try (RawWs ws = RawWs.open(bus.base(), true)) { // a text connection: a binary client frame gets a text answer
            ws.sendBinary("{\"op\":\"ping\",\"ref\":\"t\"}");
            RawWs.Received pong = ws.nextRaw(WAIT);
            assertThat(pong.binary()).isFalse();
            assertThat(JSON.readTree(pong.text()).get("ref").asText()).isEqualTo("t");
        }
    }

    @Test
    void anUnknownFrameKindIsRefusedBeforeTheUpgrade() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", bus.base().getPort())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.getOutputStream().write(("GET /v1/ws?frames=morse HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            StringBuilder read = new StringBuilder();
            byte[] chunk = new byte[4096];
            for (int n; !read.toString().trim().endsWith("}") && (n = socket.getInputStream().read(chunk)) > 0; ) {
                read.append(new String(chunk, 0, n, java.nio.charset.StandardCharsets.UTF_8));
            }
            String response = read.toString();
            assertThat(response).startsWith("HTTP/1.1 400");
            assertThat(response).containsIgnoringCase("application/problem+json").contains("\"code\":\"bad_request\"")
                    .contains("frames='morse' is not text or binary");
        }
    }

    private static JsonNode readTree(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertError(JsonNode frame, String ref, String code) {
        assertThat(frame.get("op").asText()).isEqualTo("error");
        if (ref == null) {
            assertThat(frame.get("ref").isNull()).isTrue();
        } else {
            assertThat(frame.get("ref").asText()).isEqualTo(ref);
        }
        assertThat(frame.get("problem").get("code").asText()).isEqualTo(code);
    }

    @Test
    void aClientThatStopsReadingDoesNotMakeTheServerBuffer() throws Exception {
        bus.topic("ws.slow", 1);
        int total = 10_000;
        String payload = "{\"pad\":\"" + "x".repeat(4000) + "\"}";
        try (RawWs slow = RawWs.open(bus.base(), false); KmbConnection publisher = bus.client.connect()) {
            slow.send("{\"op\":\"subscribe\",\"ref\":1,\"pattern\":\"ws.slow\",\"start\":\"latest\"}");
            slow.request(1);
            String name = slow.next(WAIT).get("subscription").asText();
            for (int i = 0; i < total; i += 500) {
                List<Envelope> batch = new ArrayList<>();
                for (int j = 0; j < 500; j++) {
                    batch.add(TestBus.message("ws.slow", null, payload));
                }
                publisher.publishBatch(batch).join(); // the publisher is never held up by the slow reader
            }
            // the dispatcher stops reading for the stalled member: most of the topic stays in the log, not in memory
            TestBus.await(WAIT, "the dispatcher to stall", () -> pending(name) > total / 2);
            long stalled = pending(name);
            assertThat(publisher.ping().join()).isLessThan(WAIT);
            assertThat(pending(name)).isEqualTo(stalled);
            // once the client reads again, everything arrives
            slow.request(Long.MAX_VALUE);
            int received = 0;
            while (received < total) {
                JsonNode f = slow.next(WAIT);
                received += f.get("op").asText().equals("messages") ? f.get("messages").size() : 1;
            }
            assertThat(received).isEqualTo(total);
        }
    }

    private static long pending(String subscription) {
        return bus.broker().subscriptions().lag(TestBus.T, subscription).join().stream().mapToLong(PartitionLag::pending).sum();
    }
}
