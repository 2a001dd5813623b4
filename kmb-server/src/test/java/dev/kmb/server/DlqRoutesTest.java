package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dead letters over real HTTP: how messages get there, {@code GET /v1/dlq}, {@code POST /v1/dlq/redrive}. */
class DlqRoutesTest {

    static final Duration WAIT = Duration.ofSeconds(20);

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

    // ------------------------------------------------------------------ helpers

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static JsonNode data(SseStream.Event e) throws IOException {
        return TestServer.JSON.readTree(e.data());
    }

    /** The dead letters a listing shows, following every cursor to the end. */
    static List<JsonNode> listAll(TestServer s, String query) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            TestServer.Answer a = s.get("/v1/dlq?" + query + (cursor == null ? "" : "&cursor=" + q(cursor)));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            a.json().get("dead_letters").forEach(out::add);
            cursor = a.json().get("next").isNull() ? null : a.json().get("next").asText();
        } while (cursor != null);
        return out;
    }

    /** Waits until the listing shows exactly {@code n} dead letters. */
    static List<JsonNode> awaitDeadLetters(TestServer s, String query, int n) {
        List<List<JsonNode>> last = new ArrayList<>(List.of(List.of()));
        TestBus.await(WAIT, n + " dead letters for " + query, () -> {
            last.set(0, listAll(s, query));
            return last.get(0).size() == n;
        });
        return last.get(0);
    }

    static TestServer.Answer redrive(TestServer s, String body) {
        return s.post("/v1/dlq/redrive", body);
    }

    static void subscription(TestServer s, String body) {
        TestServer.Answer a = s.post("/v1/subscriptions", body);
        assertThat(a.status()).as(a.body()).isEqualTo(201);
    }

    /** Receives {@code n} messages on the subscription over SSE and rejects each ({@code term}); returns their ids. */
    static List<String> termAll(TestServer s, String subscription, int n) throws Exception {
        List<String> ids = new ArrayList<>();
        try (SseStream sse = SseStream.open(s.uri("/v1/subscribe/" + subscription), Map.of())) {
            for (int i = 0; i < n; i++) {
                String id = data(sse.next(WAIT)).get("id").asText();
                TestServer.Answer t = s.post("/v1/subscriptions/" + subscription + "/term",
                        "{\"ids\":[\"" + id + "\"],\"reason\":\"bad input " + i + "\"}");
                assertThat(t.status()).as(t.body()).isEqualTo(200);
                ids.add(id);
            }
        }
        return ids;
    }

    static List<String> ids(List<JsonNode> deadLetters) {
        return deadLetters.stream().map(d -> d.get("id").asText()).toList();
    }

    static List<String> originalIds(List<JsonNode> deadLetters) {
        return deadLetters.stream().map(d -> d.at("/original/id").asText()).toList();
    }

    static String idsJson(List<String> ids) {
        return ids.stream().map(i -> "\"" + i + "\"").reduce((a, b) -> a + "," + b).map(s -> "[" + s + "]").orElse("[]");
    }

    static int replayCount(TestServer s, String topic) {
        TestServer.Answer a = s.get("/v1/topics/" + topic + "/messages?limit=1000");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json().get("messages").size();
    }

    // ------------------------------------------------------------------ the life of a dead letter

    @Test
    void aMessageNackedUntilMaxDeliveriesIsListedWithItsAttemptsAndRedrivenUnchanged() throws Exception {
        server.createTopic("dlq.orders", 2);
        subscription(server, """
                {"name":"dlq-main","pattern":"dlq.orders","start":"earliest","max_deliveries":2,"backoff":[0]}""");
        TestServer.Answer published = server.post("/v1/publish", """
                {"topic":"dlq.orders","type":"command","key":"cust-1","payload":{"order":17},
                 "metadata":{"conversation_id":"conv-1","headers":{"trace-hint":"abc"}}}""");
        assertThat(published.status()).isEqualTo(200);
        String id = published.json().get("id").asText();
        int partition = published.json().get("partition").asInt();
        long offset = published.json().get("offset").asLong();

        try (SseStream sse = SseStream.open(server.uri("/v1/subscribe/dlq-main"), Map.of())) {
            JsonNode first = data(sse.next(WAIT));
            assertThat(first.get("delivery_attempt").asInt()).isEqualTo(1);
            assertThat(server.post("/v1/subscriptions/dlq-main/nack", "{\"ids\":[\"" + id + "\"],\"reason\":\"parse error\"}")
                    .json().get("nacked").asInt()).isEqualTo(1);
            JsonNode second = data(sse.next(WAIT));
            assertThat(second.get("id").asText()).isEqualTo(id);
            assertThat(second.get("delivery_attempt").asInt()).isEqualTo(2);
            assertThat(server.post("/v1/subscriptions/dlq-main/nack", "{\"ids\":[\"" + id + "\"]}")
                    .json().get("nacked").asInt()).isEqualTo(1);

            JsonNode dead = awaitDeadLetters(server, "subscription=dlq-main", 1).get(0);
            assertThat(dead.get("id").asText()).isNotEqualTo(id);
            assertThat(dead.get("reason").asText()).isEqualTo("max_deliveries");
            assertThat(dead.get("subscription").asText()).isEqualTo("dlq-main");
            assertThat(dead.get("topic").asText()).isEqualTo("dlq.orders");
            assertThat(dead.get("partition").asInt()).isEqualTo(partition);
            assertThat(dead.get("offset").asLong()).isEqualTo(offset);
            assertThat(Instant.parse(dead.get("dead_lettered_at").asText())).isBefore(Instant.now().plusSeconds(1));
            JsonNode attempts = dead.get("attempts");
            assertThat(attempts).hasSize(2);
            assertThat(attempts.findValuesAsText("outcome")).containsExactly("parse error", "nack");
            assertThat(attempts.findValuesAsText("consumer")).allSatisfy(c -> assertThat(c).startsWith("member-"));
            assertThat(Instant.parse(attempts.get(0).get("at").asText()))
                    .isBeforeOrEqualTo(Instant.parse(attempts.get(1).get("at").asText()));
            JsonNode original = dead.get("original");
            assertThat(original.get("id").asText()).isEqualTo(id);
            assertThat(original.get("key").asText()).isEqualTo("cust-1");
            assertThat(original.get("type").asText()).isEqualTo("command");
            assertThat(original.get("payload").toString()).isEqualTo("{\"order\":17}");
            assertThat(original.at("/metadata/conversation_id").asText()).isEqualTo("conv-1");
            assertThat(original.at("/metadata/headers/trace-hint").asText()).isEqualTo("abc");

            TestServer.Answer moved = redrive(server, "{\"ids\":[\"" + dead.get("id").asText() + "\"]}");
            assertThat(moved.status()).as(moved.body()).isEqualTo(200);
            assertThat(moved.json().get("moved").asInt()).isEqualTo(1);
            assertThat(moved.json().get("by_topic").toString()).isEqualTo("{\"dlq.orders\":1}");
            assertThat(moved.json().get("more").asBoolean()).isFalse();

            JsonNode again = data(sse.next(WAIT));
            assertThat(again.get("id").asText()).isEqualTo(id);
            assertThat(again.get("key").asText()).isEqualTo("cust-1");
            assertThat(again.get("type").asText()).isEqualTo("command");
            assertThat(again.get("payload").toString()).isEqualTo("{\"order\":17}");
            assertThat(again.at("/metadata/headers/trace-hint").asText()).isEqualTo("abc");
            assertThat(again.at("/metadata/conversation_id").asText()).isEqualTo("conv-1");
            assertThat(again.get("partition").asInt()).isEqualTo(partition); // same key, same partition
            assertThat(again.get("offset").asLong()).isGreaterThan(offset);
            assertThat(again.get("delivery_attempt").asInt()).isEqualTo(1);
            assertThat(server.post("/v1/subscriptions/dlq-main/ack", "{\"ids\":[\"" + id + "\"]}")
                    .json().get("acked").asInt()).isEqualTo(1);
        }
        assertThat(listAll(server, "subscription=dlq-main")).isEmpty();
        TestServer.Answer second = redrive(server, "{\"ids\":[\"" + id + "\"]}");
        assertThat(second.json().get("moved").asInt()).isZero();
        assertThat(redrive(server, "{\"subscription\":\"dlq-main\"}").json().get("moved").asInt()).isZero();

        String metrics = server.get("/metrics").body();
        assertThat(metrics).containsPattern("kmb_messages_dead_lettered_total\\{reason=\"max_deliveries\"} [1-9]");
        assertThat(metrics).containsPattern("kmb_messages_redriven_total [1-9]");
    }

    @Test
    void theBusCreatesItsDeadLetterTopicOnFirstUseAsDocumented() throws Exception {
        server.createTopic("spec.t", 1);
        subscription(server, "{\"name\":\"spec-sub\",\"pattern\":\"spec.t\",\"start\":\"earliest\"}");
        server.publish("spec.t", null, "{}");
        termAll(server, "spec-sub", 1);
        awaitDeadLetters(server, "subscription=spec-sub", 1);

        JsonNode dlq = server.get("/v1/topics/kmb.system.dlq").json();
        assertThat(dlq.get("partitions").asInt()).isEqualTo(4);
        assertThat(dlq.get("durability").asText()).isEqualTo("persistent");
        assertThat(dlq.at("/retention/max_age").asLong()).isEqualTo(7 * 24 * 3600);
        // a dead letter is an ordinary envelope there: replay shows it, the original inside
        JsonNode replayed = server.get("/v1/topics/kmb.system.dlq/messages?limit=1000").json().get("messages");
        assertThat(replayed.findValuesAsText("topic")).contains("kmb.system.dlq");
        // and only the bus writes there, now that it exists too
        TestServer.Answer forged = server.post("/v1/publish", "{\"topic\":\"kmb.system.dlq\",\"type\":\"event\",\"payload\":1}");
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.code()).isEqualTo("forbidden");
    }

    @Test
    void aRejectedMessageIsDeadLetteredAtOnceWithReasonRejectedAndItsKey() throws Exception {
        server.createTopic("rej.t", 3);
        subscription(server, "{\"name\":\"rej-sub\",\"pattern\":\"rej.t\",\"start\":\"earliest\"}");
        server.publish("rej.t", "key-a", "{\"n\":1}");
        termAll(server, "rej-sub", 1);
        JsonNode d = awaitDeadLetters(server, "subscription=rej-sub", 1).get(0);
        assertThat(d.get("reason").asText()).isEqualTo("rejected");
        assertThat(d.get("attempts").findValuesAsText("outcome")).containsExactly("bad input 0");
        // the dead letter keeps the original key, so one key's dead letters stay in order
        JsonNode stored = server.get("/v1/topics/kmb.system.dlq/messages?limit=1000").json().get("messages");
        List<JsonNode> mine = new ArrayList<>();
        stored.forEach(m -> {
            if (m.get("id").asText().equals(d.get("id").asText())) {
                mine.add(m);
            }
        });
        assertThat(mine).singleElement().satisfies(m -> {
            assertThat(m.get("key").asText()).isEqualTo("key-a");
            assertThat(m.at("/payload/original/id").asText()).isEqualTo(d.at("/original/id").asText());
        });
    }

    // ------------------------------------------------------------------ filters, paging, selections

    @Test
    void listingFiltersBySubscriptionTopicAndTimeAndPagesWithACursor() throws Exception {
        server.createTopic("filt.a", 2);
        server.createTopic("filt.b", 1);
        subscription(server, "{\"name\":\"filt-one\",\"pattern\":\"filt.*\",\"start\":\"earliest\"}");
        subscription(server, "{\"name\":\"filt-two\",\"pattern\":\"filt.a\",\"start\":\"earliest\"}");
        server.publish("filt.a", "k1", "{\"n\":1}");
        server.publish("filt.a", "k2", "{\"n\":2}");
        termAll(server, "filt-one", 2);
        termAll(server, "filt-two", 2);
        List<JsonNode> early = awaitDeadLetters(server, "subscription=filt-one", 2);
        Instant lastEarly = early.stream().map(d -> Instant.parse(d.get("dead_lettered_at").asText()))
                .max(Instant::compareTo).orElseThrow();
        TestBus.await(WAIT, "the clock to pass the first dead letters", () -> Instant.now().isAfter(lastEarly.plusMillis(1)));
        server.publish("filt.b", "k3", "{\"n\":3}");
        List<String> late = termAll(server, "filt-one", 1);

        List<JsonNode> one = awaitDeadLetters(server, "subscription=filt-one", 3);
        assertThat(listAll(server, "subscription=filt-two")).hasSize(2);
        assertThat(listAll(server, "subscription=filt-one&topic=filt.a")).hasSize(2);
        assertThat(originalIds(listAll(server, "topic=filt.b"))).isEqualTo(late);
        String from = q(lastEarly.plusMillis(1).toString());
        assertThat(originalIds(listAll(server, "subscription=filt-one&from=" + from))).isEqualTo(late);
        assertThat(listAll(server, "subscription=filt-one&from=" + q(Instant.now().plusSeconds(3600).toString()))).isEmpty();

        // oldest first, one per page, every one exactly once
        List<String> paged = ids(listAll(server, "subscription=filt-one&limit=1"));
        assertThat(paged).isEqualTo(ids(one)).doesNotHaveDuplicates().hasSize(3);
        List<Instant> times = one.stream().map(d -> Instant.parse(d.get("dead_lettered_at").asText())).toList();
        assertThat(times).isSorted();
        TestServer.Answer firstPage = server.get("/v1/dlq?subscription=filt-one&limit=1");
        assertThat(firstPage.json().get("dead_letters")).hasSize(1);
        assertThat(firstPage.json().get("next").isTextual()).isTrue();
        assertThat(server.get("/v1/dlq?subscription=filt-one&limit=10").json().get("next").isNull()).isTrue();
    }

    @Test
    void redriveMovesExactlyTheSelectionToItsTopicOrATargetTopic() throws Exception {
        server.createTopic("sel.a", 2);
        server.createTopic("sel.b", 1);
        server.createTopic("sel.retry", 1);
        subscription(server, "{\"name\":\"sel-one\",\"pattern\":\"sel.*\",\"start\":\"earliest\"}");
        for (int i = 0; i < 3; i++) {
            server.publish("sel.a", "k" + i, "{\"n\":" + i + "}");
        }
        server.publish("sel.b", "kb", "{\"n\":9}");
        termAll(server, "sel-one", 4);
        List<JsonNode> all = awaitDeadLetters(server, "subscription=sel-one", 4);
        Instant newest = all.stream().map(d -> Instant.parse(d.get("dead_lettered_at").asText())).max(Instant::compareTo).orElseThrow();

        // a time range before every one of them selects nothing
        TestServer.Answer none = redrive(server, "{\"subscription\":\"sel-one\",\"to\":\"2000-01-01T00:00:00Z\"}");
        assertThat(none.json().get("moved").asInt()).isZero();
        // by original topic
        TestServer.Answer byTopic = redrive(server, "{\"subscription\":\"sel-one\",\"topic\":\"sel.b\"}");
        assertThat(byTopic.json().get("moved").asInt()).isEqualTo(1);
        assertThat(byTopic.json().get("by_topic").toString()).isEqualTo("{\"sel.b\":1}");
        assertThat(replayCount(server, "sel.b")).isEqualTo(2);
        // by dead-letter id, into another topic, keeping the original id
        JsonNode pick = listAll(server, "subscription=sel-one").get(0);
        TestServer.Answer byId = redrive(server, "{\"ids\":[\"" + pick.get("id").asText() + "\"],\"target_topic\":\"sel.retry\"}");
        assertThat(byId.json().get("by_topic").toString()).isEqualTo("{\"sel.retry\":1}");
        JsonNode retried = server.get("/v1/topics/sel.retry/messages").json().get("messages").get(0);
        assertThat(retried.get("id").asText()).isEqualTo(pick.at("/original/id").asText());
        assertThat(retried.get("topic").asText()).isEqualTo("sel.retry");
        assertThat(retried.get("key").asText()).isEqualTo(pick.at("/original/key").asText());
        // the rest by time range, with a limit that stops it halfway
        String range = "\"subscription\":\"sel-one\",\"from\":\"2000-01-01T00:00:00Z\",\"to\":\"" + newest.plusSeconds(1) + "\"";
        TestServer.Answer half = redrive(server, "{" + range + ",\"limit\":1}");
        assertThat(half.json().get("moved").asInt()).isEqualTo(1);
        assertThat(half.json().get("more").asBoolean()).isTrue();
        TestServer.Answer rest = redrive(server, "{" + range + "}");
        assertThat(rest.json().get("moved").asInt()).isEqualTo(1);
        assertThat(rest.json().get("more").asBoolean()).isFalse();
        assertThat(listAll(server, "subscription=sel-one")).isEmpty();
        assertThat(replayCount(server, "sel.a")).isEqualTo(3 + 2);
    }

    @Test
    void aSubscriptionsOwnDeadLetterTopicIsCreatedListedAndRedrivenFrom() throws Exception {
        server.createTopic("own.t", 1);
        subscription(server, """
                {"name":"own-sub","pattern":"own.t","start":"earliest","dead_letter_topic":"own.dead"}""");
        server.publish("own.t", "k", "{\"n\":1}");
        termAll(server, "own-sub", 1);
        awaitDeadLetters(server, "dead_letter_topic=own.dead&subscription=own-sub", 1);

        JsonNode topic = server.get("/v1/topics/own.dead").json();
        assertThat(topic.get("partitions").asInt()).isEqualTo(1); // the broker's default spec
        assertThat(listAll(server, "subscription=own-sub")).isEmpty(); // not in kmb.system.dlq
        assertThat(redrive(server, "{\"all\":true}").json().get("by_topic").has("own.t")).isFalse();
        TestServer.Answer moved = redrive(server, "{\"all\":true,\"dead_letter_topic\":\"own.dead\"}");
        assertThat(moved.json().get("moved").asInt()).isEqualTo(1);
        assertThat(listAll(server, "dead_letter_topic=own.dead")).isEmpty();
        assertThat(replayCount(server, "own.t")).isEqualTo(2);
    }

    @Test
    void concurrentRedrivesOfOneSelectionPublishEachDeadLetterOnce() throws Exception {
        int n = 30;
        server.createTopic("conc.t", 3);
        subscription(server, "{\"name\":\"conc-sub\",\"pattern\":\"conc.t\",\"start\":\"earliest\"}");
        for (int i = 0; i < n; i++) {
            server.publish("conc.t", "k" + (i % 5), "{\"n\":" + i + "}");
        }
        termAll(server, "conc-sub", n);
        awaitDeadLetters(server, "subscription=conc-sub", n);

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Integer>> redrives = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                redrives.add(() -> redrive(server, "{\"subscription\":\"conc-sub\"}").json().get("moved").asInt());
            }
            int moved = 0;
            for (Future<Integer> f : pool.invokeAll(redrives)) {
                moved += f.get();
            }
            assertThat(moved).isEqualTo(n);
        } finally {
            pool.shutdownNow();
        }
        JsonNode messages = server.get("/v1/topics/conc.t/messages?limit=1000").json().get("messages");
        assertThat(messages).hasSize(2 * n);
        Set<String> ids = new HashSet<>(messages.findValuesAsText("id"));
        assertThat(ids).hasSize(n);
    }

    // ------------------------------------------------------------------ restart

    @Test
    void redrivenDeadLettersStayOutOfTheViewAfterARestart(@TempDir Path own) throws Exception {
        try (TestServer s = TestServer.start(own)) {
            s.createTopic("rs.t", 1);
            subscription(s, "{\"name\":\"rs-sub\",\"pattern\":\"rs.t\",\"start\":\"earliest\"}");
            s.publish("rs.t", "k", "{\"n\":1}");
            s.publish("rs.t", "k", "{\"n\":2}");
            termAll(s, "rs-sub", 2);
            List<JsonNode> dead = awaitDeadLetters(s, "subscription=rs-sub", 2);
            String moved = dead.get(0).get("id").asText();
            assertThat(redrive(s, "{\"ids\":[\"" + moved + "\"]}").json().get("moved").asInt()).isEqualTo(1);

            s.restart();

            assertThat(ids(listAll(s, "subscription=rs-sub"))).containsExactly(dead.get(1).get("id").asText());
            assertThat(redrive(s, "{\"ids\":[\"" + moved + "\"]}").json().get("moved").asInt()).isZero();
            assertThat(redrive(s, "{\"subscription\":\"rs-sub\"}").json().get("moved").asInt()).isEqualTo(1);
            assertThat(replayCount(s, "rs.t")).isEqualTo(4);
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void badListingQueriesAreProblemsNamingTheParameter() {
        assertProblem(server.get("/v1/dlq?from=yesterday"), 400, "bad_request");
        assertProblem(server.get("/v1/dlq?limit=many"), 400, "bad_request");
        assertProblem(server.get("/v1/dlq?limit=0"), 422, "invalid_field");
        assertProblem(server.get("/v1/dlq?limit=1001"), 422, "invalid_field");
        assertProblem(server.get("/v1/dlq?topic=bad..name"), 400, "invalid_topic");
        assertProblem(server.get("/v1/dlq?subscription=" + q("no spaces")), 400, "bad_request");
        assertProblem(server.get("/v1/dlq?cursor=garbage"), 400, "bad_request");
        assertProblem(server.get("/v1/dlq?cursor=" + q("0:-1")), 400, "bad_request");
        assertProblem(server.get("/v1/dlq?dead_letter_topic=no.such.topic"), 404, "topic_not_found");
        assertThat(server.get("/v1/dlq").status()).isEqualTo(200);
    }

    @Test
    void badRedrivesAreProblemsAndMoveNothing() throws Exception {
        server.createTopic("bad.t", 1);
        subscription(server, "{\"name\":\"bad-sub\",\"pattern\":\"bad.t\",\"start\":\"earliest\"}");
        server.publish("bad.t", null, "{}");
        termAll(server, "bad-sub", 1);
        String dlqId = awaitDeadLetters(server, "subscription=bad-sub", 1).get(0).get("id").asText();

        assertProblem(server.post("/v1/dlq/redrive", ""), 400, "malformed_json");
        assertProblem(server.post("/v1/dlq/redrive", "{\"subscription\":"), 400, "malformed_json");
        assertProblem(server.post("/v1/dlq/redrive", "[]"), 400, "malformed_json");
        assertProblem(redrive(server, "{}"), 422, "invalid_field");
        assertProblem(redrive(server, "{\"all\":false}"), 422, "invalid_field");
        assertProblem(redrive(server, "{\"all\":true,\"subscription\":\"bad-sub\"}"), 422, "invalid_field");
        assertProblem(redrive(server, "{\"ids\":[]}"), 422, "invalid_field");
        JsonNode badIds = assertProblem(redrive(server, "{\"ids\":[\"" + dlqId + "\",\"nope\",42]}"), 422, "invalid_field");
        assertThat(badIds.get("errors").findValuesAsText("pointer")).containsExactly("/ids/1", "/ids/2");
        JsonNode badTimes = assertProblem(redrive(server, "{\"from\":\"yesterday\",\"to\":\"2026-13-01T00:00:00Z\"}"),
                422, "invalid_field");
        assertThat(badTimes.get("errors").findValuesAsText("pointer")).containsExactly("/from", "/to");
        assertProblem(redrive(server, "{\"from\":\"2026-02-01T00:00:00Z\",\"to\":\"2026-01-01T00:00:00Z\"}"), 422, "invalid_field");
        assertProblem(redrive(server, "{\"subscription\":\"bad-sub\",\"limit\":0}"), 422, "invalid_field");
        assertProblem(redrive(server, "{\"subscription\":\"no spaces\"}"), 422, "invalid_field");
        assertProblem(redrive(server, "{\"topic\":\"bad..name\"}"), 422, "invalid_field");
        assertProblem(redrive(server, "{\"subscription\":\"bad-sub\",\"colour\":\"red\"}"), 422, "invalid_field");
        assertProblem(redrive(server, "{\"subscription\":\"bad-sub\",\"target_topic\":\"no.such.topic\"}"), 404, "topic_not_found");
        assertProblem(redrive(server, "{\"subscription\":\"bad-sub\",\"target_topic\":\"kmb.system.dlq\"}"), 403, "forbidden");
        assertProblem(redrive(server, "{\"subscription\":\"bad-sub\",\"dead_letter_topic\":\"no.such.topic\"}"), 404,
                "topic_not_found");

        // none of that moved or lost anything
        assertThat(ids(listAll(server, "subscription=bad-sub"))).containsExactly(dlqId);
        assertThat(replayCount(server, "bad.t")).isEqualTo(1);
    }

    static JsonNode assertProblem(TestServer.Answer a, int status, String code) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.contentType()).startsWith("application/problem+json");
        assertThat(a.code()).isEqualTo(code);
        return a.json();
    }
}
