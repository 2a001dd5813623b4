package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing (single and batch) and replay by offset and time range, over HTTP. */
class PublishRoutesTest {

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
    void singlePublishAnswersAReceiptAndKeepsAClientId() {
        server.createTopic("pub.single", 1);
        TestServer.Answer r = server.post("/v1/publish", """
                {"id":"0190a4f2-0000-7000-8000-000000000001","topic":"pub.single","type":"event","payload":{"n":1}}""");
        assertThat(r.status()).isEqualTo(200);
        JsonNode receipt = r.json();
        assertThat(receipt.get("id").asText()).isEqualTo("0190a4f2-0000-7000-8000-000000000001");
        assertThat(receipt.get("topic").asText()).isEqualTo("pub.single");
        assertThat(receipt.get("partition").asInt()).isZero();
        assertThat(receipt.get("offset").asLong()).isZero();
        assertThat(Instant.parse(receipt.get("timestamp").asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(receipt.has("duplicate")).isFalse();
    }

    @Test
    void batchAnswersReceiptsInRequestOrderWithOffsetsRisingPerPartitionAndKeysStickToAPartition() {
        server.createTopic("pub.batch", 4);
        StringBuilder body = new StringBuilder("{\"messages\":[");
        for (int i = 0; i < 40; i++) {
            body.append(i == 0 ? "" : ",").append("{\"topic\":\"pub.batch\",\"type\":\"event\",\"key\":\"k")
                    .append(i % 5).append("\",\"payload\":{\"i\":").append(i).append("}}");
        }
        TestServer.Answer r = server.post("/v1/publish", body.append("]}").toString());
        assertThat(r.status()).isEqualTo(200);
        JsonNode receipts = r.json().get("receipts");
        assertThat(receipts).hasSize(40);
        Map<String, Integer> partitionOfKey = new HashMap<>();
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            int p = receipts.get(i).get("partition").asInt();
            long offset = receipts.get(i).get("offset").asLong();
            assertThat(partitionOfKey.computeIfAbsent("k" + i % 5, k -> p)).as("key k%d stays on one partition", i % 5).isEqualTo(p);
            assertThat(offset).as("offsets rise per partition").isGreaterThan(lastOffset.getOrDefault(p, -1L));
            lastOffset.put(p, offset);
        }
        // the replay shows the messages of one key in publish order
        JsonNode messages = server.get("/v1/topics/pub.batch/messages?partition=" + partitionOfKey.get("k0") + "&limit=1000").json().get("messages");
        List<Integer> k0 = new ArrayList<>();
        messages.forEach(m -> {
            if (m.get("key").asText().equals("k0")) {
                k0.add(m.at("/payload/i").asInt());
            }
        });
        assertThat(k0).containsExactly(0, 5, 10, 15, 20, 25, 30, 35);
    }

    @Test
    void replayByOffsetRangePagesWithTheNextCursorAndReturnsStoredEnvelopes() {
        server.createTopic("pub.replay", 1);
        for (int i = 0; i < 10; i++) {
            server.publish("pub.replay", null, "{\"i\":" + i + "}");
        }
        JsonNode page = server.get("/v1/topics/pub.replay/messages?partition=0&from_offset=3&limit=4").json();
        assertThat(page.get("messages").findValuesAsText("offset")).containsExactly("3", "4", "5", "6");
        assertThat(page.at("/messages/0/payload/i").asInt()).isEqualTo(3);
        assertThat(page.at("/messages/0/topic").asText()).isEqualTo("pub.replay");
        assertThat(page.at("/messages/0/partition").asInt()).isZero();
        JsonNode next = server.get("/v1/topics/pub.replay/messages?limit=100&cursor=" + page.get("next").asText()).json();
        assertThat(next.get("messages").findValuesAsText("offset")).containsExactly("7", "8", "9");
    }

    @Test
    void replayByTimeRangeReturnsOnlyMessagesInsideIt() throws InterruptedException {
        server.createTopic("pub.time", 2);
        for (int i = 0; i < 3; i++) {
            server.publish("pub.time", "a" + i, "{\"phase\":\"before\"}");
        }
        Thread.sleep(20); // the range needs distinct timestamps on both sides; milliseconds are the log's unit
        Instant from = Instant.now();
        List<String> inside = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            inside.add(server.publish("pub.time", "b" + i, "{\"phase\":\"inside\"}").json().get("id").asText());
        }
        Thread.sleep(20);
        Instant to = Instant.now();
        Thread.sleep(20);
        server.publish("pub.time", "c", "{\"phase\":\"after\"}");

        JsonNode page = server.get("/v1/topics/pub.time/messages?from=" + from + "&to=" + to).json();
        assertThat(page.get("messages").findValuesAsText("id")).containsExactlyInAnyOrderElementsOf(inside);
        JsonNode all = server.get("/v1/topics/pub.time/messages").json();
        assertThat(all.get("messages")).hasSize(8);
    }

    @Test
    void autoCreateOnCreatesTheTopicOnFirstPublish(@TempDir Path other) {
        try (TestServer auto = TestServer.start(other, c -> c.withAutoCreateTopics(true))) {
            assertThat(auto.publish("auto.created", null, "1").status()).isEqualTo(200);
            JsonNode t = auto.get("/v1/topics/auto.created").json();
            assertThat(t.get("durability").asText()).isEqualTo("persistent");
            assertThat(t.at("/partition_offsets/0/end_offset").asLong()).isEqualTo(1);
        }
    }
}
