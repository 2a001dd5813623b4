package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Taking, listing, showing and deleting snapshots over HTTP against a real server, files checked on disk. */
class SnapshotRoutesTest {

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

    /** A receipt as the publishers saw it. */
    record Landed(String id, int partition, long offset) {
    }

    @Test
    void aSnapshotTakenWhilePublishersPublishHoldsExactlyTheMessagesBelowTheCapturedOffsets() throws Exception {
        server.createTopic("snap.live", 4);
        ConcurrentLinkedQueue<Landed> landed = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger batches = new AtomicInteger();
        List<Thread> publishers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int thread = t;
            publishers.add(Thread.ofVirtual().start(() -> {
                for (int b = 0; !stop.get(); b++) {
                    StringBuilder batch = new StringBuilder("{\"messages\":[");
                    for (int i = 0; i < 20; i++) {
                        batch.append(i == 0 ? "" : ",").append(SnapshotTestData.envelope("snap.live", (thread * 20 + i) % 13, b * 20 + i));
                    }
                    TestServer.Answer a = server.post("/v1/publish", batch.append("]}").toString());
                    assertThat(a.status()).as(a.body()).isEqualTo(200);
                    a.json().get("receipts").forEach(r ->
                            landed.add(new Landed(r.get("id").asText(), r.get("partition").asInt(), r.get("offset").asLong())));
                    batches.incrementAndGet();
                }
            }));
        }
        TestBus.await(Duration.ofSeconds(30), "publishers to get going", () -> batches.get() >= 20);

        TestServer.Answer taken = server.post("/v1/topics/snap.live/snapshots", "");
        int batchesAtSnapshot = batches.get();
        TestBus.await(Duration.ofSeconds(30), "publishers to go on after the snapshot", () -> batches.get() >= batchesAtSnapshot + 20);
        stop.set(true);
        for (Thread t : publishers) {
            t.join();
        }

        assertThat(taken.status()).as(taken.body()).isEqualTo(201);
        JsonNode manifest = taken.json().get("manifest");
        long[] ends = new long[4];
        for (JsonNode p : manifest.get("partitions")) {
            ends[p.get("partition").asInt()] = p.get("end_offset").asLong();
        }
        Set<Landed> below = new HashSet<>();
        boolean someLandedAfter = false;
        for (Landed l : landed) {
            if (l.offset() < ends[l.partition()]) {
                below.add(l);
            } else {
                someLandedAfter = true;
            }
        }
        assertThat(someLandedAfter).as("publishes went on during and after the snapshot").isTrue();
        Set<Landed> inSnapshot = new HashSet<>();
        for (JsonNode line : SnapshotTestData.dataLines(SnapshotTestData.snapshotDir(dir, taken.json().get("id").asText()))) {
            inSnapshot.add(new Landed(line.get("id").asText(), line.get("partition").asInt(), line.get("offset").asLong()));
        }
        assertThat(inSnapshot).isEqualTo(below);
        assertThat(manifest.get("message_count").asLong()).isEqualTo(below.size());
    }

    @Test
    void theManifestDescribesTheTopicItsOffsetsAndTheDataFileWhichMatchesItsChecksum() throws Exception {
        server.post("/v1/topics", """
                {"name":"snap.manifest","partitions":3,"durability":"durable",
                 "retention":{"max_age":86400,"max_messages":100000},"compression":"zstd"}""");
        Instant before = Instant.now().minusSeconds(1);
        SnapshotTestData.publish(server, "snap.manifest", 0, 250, 10, true);
        JsonNode topic = server.get("/v1/topics/snap.manifest").json();

        TestServer.Answer taken = server.post("/v1/topics/snap.manifest/snapshots", "");

        assertThat(taken.status()).isEqualTo(201);
        String id = taken.json().get("id").asText();
        JsonNode m = taken.json().get("manifest");
        assertThat(m.get("format").asText()).isEqualTo("kmb-snapshot");
        assertThat(m.get("format_version").asInt()).isEqualTo(1);
        assertThat(m.get("topic").asText()).isEqualTo("snap.manifest");
        assertThat(m.get("config")).isEqualTo(TestServer.JSON.readTree("""
                {"partitions":3,"durability":"durable","retention":{"max_age":86400,"max_messages":100000,"max_bytes":null},
                 "compression":"zstd"}""".replace("\n", "")));
        assertThat(m.get("message_count").asLong()).isEqualTo(250);
        for (int p = 0; p < 3; p++) {
            JsonNode range = m.get("partitions").get(p);
            assertThat(range.get("partition").asInt()).isEqualTo(p);
            assertThat(range.get("start_offset").asLong()).isZero();
            assertThat(range.get("end_offset").asLong()).isEqualTo(topic.at("/partition_offsets/" + p + "/end_offset").asLong());
            assertThat(range.get("count").asLong()).isEqualTo(range.get("end_offset").asLong());
        }
        assertThat(Instant.parse(m.get("min_timestamp").asText())).isAfter(before);
        assertThat(Instant.parse(m.get("max_timestamp").asText())).isBeforeOrEqualTo(Instant.parse(m.get("created_at").asText()));
        Path snapshot = SnapshotTestData.snapshotDir(dir, id);
        Path data = snapshot.resolve("messages.jsonl.zst");
        assertThat(m.at("/data/file").asText()).isEqualTo("messages.jsonl.zst");
        assertThat(m.at("/data/sha256").asText()).isEqualTo(SnapshotTestData.sha256Hex(data));
        assertThat(m.at("/data/bytes").asLong()).isEqualTo(data.toFile().length());
        assertThat(TestServer.JSON.readTree(snapshot.resolve("manifest.json").toFile())).isEqualTo(m);
        assertThat(server.get("/v1/snapshots/" + id).json()).isEqualTo(taken.json());
        // each line is the message as replay delivers it
        List<String> lines = SnapshotTestData.dataLines(snapshot).stream().map(JsonNode::toString).toList();
        assertThat(lines).isEqualTo(SnapshotTestData.replayAll(server, "snap.manifest"));
    }

    @Test
    void snapshotsAreListedOldestFirstFilteredByTopicShownAndDeleted() {
        server.createTopic("snap.list.a", 1);
        server.createTopic("snap.list.b", 2);
        SnapshotTestData.publish(server, "snap.list.a", 0, 5, 2, false);
        String a1 = server.post("/v1/topics/snap.list.a/snapshots", "").json().get("id").asText();
        String b1 = server.post("/v1/topics/snap.list.b/snapshots", "").json().get("id").asText();
        String a2 = server.post("/v1/topics/snap.list.a/snapshots", "").json().get("id").asText();

        List<String> all = server.get("/v1/snapshots").json().get("snapshots").findValuesAsText("id");
        assertThat(all).containsSubsequence(a1, b1, a2);
        JsonNode onlyA = server.get("/v1/snapshots?topic=snap.list.a").json().get("snapshots");
        assertThat(onlyA.findValuesAsText("id")).containsExactly(a1, a2);
        assertThat(onlyA.get(0).at("/manifest/message_count").asLong()).isEqualTo(5);
        assertThat(server.get("/v1/snapshots?topic=snap.list.b").json().at("/snapshots/0/manifest/message_count").asLong()).isZero();

        assertThat(server.delete("/v1/snapshots/" + a1).status()).isEqualTo(204);
        assertThat(server.get("/v1/snapshots/" + a1).code()).isEqualTo("snapshot_not_found");
        assertThat(server.delete("/v1/snapshots/" + a1).code()).isEqualTo("snapshot_not_found");
        assertThat(server.get("/v1/snapshots?topic=snap.list.a").json().get("snapshots").findValuesAsText("id")).containsExactly(a2);
        assertThat(SnapshotTestData.snapshotDir(dir, a1)).doesNotExist();
        assertThat(SnapshotTestData.snapshotDir(dir, a2)).isDirectory();
    }

    @Test
    void snapshotsSurviveARestartAndTheTopicsDeletion(@TempDir Path own) {
        try (TestServer s = TestServer.start(own)) {
            s.createTopic("snap.keep", 2);
            SnapshotTestData.publish(s, "snap.keep", 0, 40, 5, false);
            String id = s.post("/v1/topics/snap.keep/snapshots", "").json().get("id").asText();
            assertThat(s.delete("/v1/topics/snap.keep").status()).isEqualTo(204);
            s.restart();
            assertThat(s.get("/v1/snapshots").json().get("snapshots").findValuesAsText("id")).containsExactly(id);
            JsonNode restored = s.post("/v1/snapshots/" + id + "/restore", "").json();
            assertThat(restored.get("restored").asLong()).isEqualTo(40);
            assertThat(restored.get("topic_created").asBoolean()).isTrue();
            assertThat(Files.exists(own.resolve("snapshots").resolve("default"))).isTrue();
        }
    }
}
