package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restoring snapshots over HTTP: into a new, the same or an existing topic; damaged snapshots refused whole. */
class SnapshotRestoreTest {

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

    static JsonNode json(String text) {
        try {
            return TestServer.JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A replayed message without its topic: what a restore into another topic keeps of it. Compared as JSON values:
     * the order of the members of {@code metadata.headers} (a map) may change when a message is stored anew.
     */
    static JsonNode withoutTopic(String message) {
        ObjectNode m = (ObjectNode) json(message);
        m.remove("topic");
        return m;
    }

    static String snapshot(String topic) {
        TestServer.Answer a = server.post("/v1/topics/" + topic + "/snapshots", "");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        return a.json().get("id").asText();
    }

    static long endOffsets(String topic) {
        long sum = 0;
        for (JsonNode p : server.get("/v1/topics/" + topic).json().get("partition_offsets")) {
            sum += p.get("end_offset").asLong();
        }
        return sum;
    }

    @Test
    void restoreIntoANewTopicKeepsEveryMessageWithItsIdKeyHeadersPartitionOffsetAndTimestamp() {
        server.post("/v1/topics", """
                {"name":"snap.src","partitions":3,"durability":"durable","retention":{"max_age":2592000},"compression":"gzip"}""");
        server.post("/v1/subscriptions", "{\"name\":\"copy-sub\",\"pattern\":\"snap.copy\",\"start\":\"earliest\"}");
        SnapshotTestData.publish(server, "snap.src", 0, 300, 10, true);
        String id = snapshot("snap.src");

        TestServer.Answer a = server.post("/v1/snapshots/" + id + "/restore", "{\"topic\":\"snap.copy\"}");

        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json()).isEqualTo(json("{\"snapshot\":\"" + id + "\",\"topic\":\"snap.copy\",\"topic_created\":true,"
                + "\"restored\":300,\"repartitioned\":false}"));
        JsonNode copy = server.get("/v1/topics/snap.copy").json();
        assertThat(copy.get("partitions").asInt()).isEqualTo(3);
        assertThat(copy.get("durability").asText()).isEqualTo("durable");
        assertThat(copy.at("/retention/max_age").asLong()).isEqualTo(2592000);
        assertThat(copy.get("compression").asText()).isEqualTo("gzip");
        List<String> source = SnapshotTestData.replayAll(server, "snap.src");
        List<String> restored = SnapshotTestData.replayAll(server, "snap.copy");
        assertThat(restored).hasSize(300).allSatisfy(m -> assertThat(json(m).get("topic").asText()).isEqualTo("snap.copy"));
        // id, key, type, payload, metadata with headers, timestamp, partition and offset: all as they were
        assertThat(restored.stream().map(SnapshotRestoreTest::withoutTopic).toList())
                .isEqualTo(source.stream().map(SnapshotRestoreTest::withoutTopic).toList());

        // replay by time reads the restored topic as it read the source
        String from = json(source.get(150)).get("timestamp").asText();
        long expected = source.stream().filter(m -> !Instant.parse(json(m).get("timestamp").asText()).isBefore(Instant.parse(from))).count();
        JsonNode page = server.get("/v1/topics/snap.copy/messages?limit=1000&from=" + URLEncoder.encode(from, StandardCharsets.UTF_8)).json();
        assertThat(page.get("messages")).hasSize((int) expected);
        // and the restored messages were routed to the subscription that matches the new topic
        TestBus.await(Duration.ofSeconds(20), "copy-sub to see the restored messages",
                () -> server.get("/v1/subscriptions/copy-sub/lag").json().get("pending").asLong() == 300);
    }

    @Test
    void restoreWithoutATargetBringsADeletedTopicBackAsItWas() {
        server.createTopic("snap.phoenix", 2);
        SnapshotTestData.publish(server, "snap.phoenix", 0, 120, 6, true);
        List<String> before = SnapshotTestData.replayAll(server, "snap.phoenix");
        String id = snapshot("snap.phoenix");
        assertThat(server.delete("/v1/topics/snap.phoenix").status()).isEqualTo(204);

        JsonNode restored = server.post("/v1/snapshots/" + id + "/restore", "").json();

        assertThat(restored.get("topic").asText()).isEqualTo("snap.phoenix");
        assertThat(restored.get("topic_created").asBoolean()).isTrue();
        assertThat(SnapshotTestData.replayAll(server, "snap.phoenix").stream().map(SnapshotRestoreTest::json).toList())
                .isEqualTo(before.stream().map(SnapshotRestoreTest::json).toList());
    }

    @Test
    void restoreIntoAnExistingTopicWithAnotherPartitionCountAppendsAndKeepsPerKeyOrder() {
        server.createTopic("snap.wide", 4);
        SnapshotTestData.publish(server, "snap.wide", 0, 400, 9, true);
        server.createTopic("snap.narrow", 3);
        SnapshotTestData.publish(server, "snap.narrow", 1000, 5, 1, false);
        List<String> oldOnes = SnapshotTestData.replayAll(server, "snap.narrow");
        String id = snapshot("snap.wide");

        JsonNode a = server.post("/v1/snapshots/" + id + "/restore", "{\"topic\":\"snap.narrow\"}").json();

        assertThat(a.get("topic_created").asBoolean()).isFalse();
        assertThat(a.get("repartitioned").asBoolean()).isTrue();
        assertThat(a.get("restored").asLong()).isEqualTo(400);
        Map<String, Integer> sourcePartition = new HashMap<>();
        for (String m : SnapshotTestData.replayAll(server, "snap.wide")) {
            sourcePartition.put(json(m).get("id").asText(), json(m).get("partition").asInt());
        }
        List<String> after = SnapshotTestData.replayAll(server, "snap.narrow");
        assertThat(after).hasSize(405).containsAll(oldOnes.subList(0, 5)); // the messages that were there keep their place
        assertThat(after.stream().map(m -> json(m).get("id").asText()).distinct()).hasSize(405);
        // per key: one partition, sequence ascending in offset order; keyless: source partition modulo 3, in order
        Map<String, Integer> partitionOfKey = new HashMap<>();
        Map<String, Integer> lastSeq = new HashMap<>();
        for (String text : after) {
            JsonNode m = json(text);
            int seq = m.at("/payload/seq").asInt();
            if (seq >= 1000) {
                continue;
            }
            int partition = m.get("partition").asInt();
            String order = m.has("key") ? m.get("key").asText() : "keyless from " + sourcePartition.get(m.get("id").asText());
            if (m.has("key")) {
                assertThat(partitionOfKey.computeIfAbsent(order, k -> partition)).as(order).isEqualTo(partition);
            } else {
                assertThat(partition).isEqualTo(sourcePartition.get(m.get("id").asText()) % 3);
            }
            assertThat(seq).as(order).isGreaterThan(lastSeq.getOrDefault(order, -1));
            lastSeq.put(order, seq);
            assertThat(m.at("/metadata/headers/seq").asText()).isEqualTo(Integer.toString(seq));
        }
        assertThat(partitionOfKey).hasSize(9);
    }

    @Test
    void aDamagedSnapshotIsRefusedWholeAndNothingIsAppendedOrCreated() throws IOException {
        server.createTopic("snap.damaged", 2);
        SnapshotTestData.publish(server, "snap.damaged", 0, 100, 4, false);
        server.createTopic("snap.victim", 1);
        SnapshotTestData.publish(server, "snap.victim", 0, 3, 1, false);
        String id = snapshot("snap.damaged");
        Path data = SnapshotTestData.snapshotDir(dir, id).resolve("messages.jsonl.zst");
        Path manifest = SnapshotTestData.snapshotDir(dir, id).resolve("manifest.json");
        byte[] good = Files.readAllBytes(data);
        byte[] goodManifest = Files.readAllBytes(manifest);

        List<Runnable> damages = new ArrayList<>();
        damages.add(() -> flip(data, good.length / 2));
        damages.add(() -> flip(data, good.length - 2));
        damages.add(() -> write(data, Arrays.copyOf(good, good.length - 100)));
        damages.add(() -> write(data, Arrays.copyOf(good, good.length + 10)));
        damages.add(() -> write(manifest, new String(goodManifest, StandardCharsets.UTF_8)
                .replace("\"message_count\" : 100", "\"message_count\" : 99").getBytes(StandardCharsets.UTF_8)));
        for (Runnable damage : damages) {
            damage.run();
            for (String target : List.of("snap.never", "snap.victim")) {
                TestServer.Answer a = server.post("/v1/snapshots/" + id + "/restore", "{\"topic\":\"" + target + "\"}");
                assertThat(a.status()).as(a.body()).isEqualTo(422);
                assertThat(a.code()).isEqualTo("snapshot_corrupt");
            }
            assertThat(server.get("/v1/topics/snap.never").code()).isEqualTo("topic_not_found");
            assertThat(endOffsets("snap.victim")).isEqualTo(3);
            write(data, good);
            write(manifest, goodManifest);
        }

        write(manifest, "{\"format\":".getBytes(StandardCharsets.UTF_8));
        assertThat(server.get("/v1/snapshots/" + id).code()).isEqualTo("snapshot_corrupt");
        assertThat(server.get("/v1/snapshots").json().get("snapshots").findValuesAsText("id")).doesNotContain(id);
        write(manifest, goodManifest);
        // repaired, it restores: the refusals were about the damage
        assertThat(server.post("/v1/snapshots/" + id + "/restore", "{\"topic\":\"snap.victim\"}").json().get("restored").asLong())
                .isEqualTo(100);
        assertThat(endOffsets("snap.victim")).isEqualTo(103);
    }

    @Test
    void aRestoreWhoseEveryMessageIsPastTheTargetsRetentionIsAConflict() {
        server.createTopic("snap.old", 1);
        SnapshotTestData.publish(server, "snap.old", 0, 3, 1, false);
        String id = snapshot("snap.old");
        Instant newest = Instant.parse(server.get("/v1/snapshots/" + id).json().at("/manifest/max_timestamp").asText());
        TestBus.await(Duration.ofSeconds(5), "the clock to pass the newest message", () -> Instant.now().isAfter(newest.plusMillis(5)));
        server.post("/v1/topics", "{\"name\":\"snap.short\",\"retention\":{\"max_age\":0.001}}");

        TestServer.Answer a = server.post("/v1/snapshots/" + id + "/restore", "{\"topic\":\"snap.short\"}");

        assertThat(a.status()).as(a.body()).isEqualTo(409);
        assertThat(a.code()).isEqualTo("conflict");
        assertThat(a.json().get("detail").asText()).contains("retention").contains("PATCH /v1/topics/snap.short");
        assertThat(endOffsets("snap.short")).isZero();

        // the same when the topic would be created from a snapshot of a short-lived topic
        server.post("/v1/topics", "{\"name\":\"snap.brief\",\"retention\":{\"max_age\":0.001}}");
        SnapshotTestData.publish(server, "snap.brief", 0, 3, 1, false);
        String brief = snapshot("snap.brief");
        Instant newestBrief = Instant.parse(server.get("/v1/snapshots/" + brief).json().at("/manifest/max_timestamp").asText());
        TestBus.await(Duration.ofSeconds(5), "the clock to pass the newest message", () -> Instant.now().isAfter(newestBrief.plusMillis(5)));
        TestServer.Answer b = server.post("/v1/snapshots/" + brief + "/restore", "{\"topic\":\"snap.brief.copy\"}");
        assertThat(b.code()).as(b.body()).isEqualTo("conflict");
        assertThat(server.get("/v1/topics/snap.brief.copy").code()).isEqualTo("topic_not_found");
    }

    static void flip(Path file, long at) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
