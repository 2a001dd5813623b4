package dev.kmb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.kmb.client.KmbClient;
import dev.kmb.core.Envelope;
import dev.kmb.core.MessageType;
import dev.kmb.core.Metadata;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import dev.kmb.server.KmbServer;
import dev.kmb.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kmb export} and {@code kmb import} against a real bus started here, over HTTP on loopback. */
class ExportImportCommandTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static KmbServer server;
    static String url;
    static KmbClient client;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = KmbServer.start(ServerConfig.defaults().withPort(0).withDataDir(dir.resolve("data")));
        url = "http://127.0.0.1:" + server.port();
        client = KmbClient.builder(URI.create(url)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    /** Exit code plus what the command printed. */
    record Run(int exit, String out, String err) {
    }

    static Run kmb(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = KmbCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static HttpResponse<String> http(String method, String path, String body) {
        return http(url, method, path, body);
    }

    static HttpResponse<String> http(String base, String method, String path, String body) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** n messages with a sequence number; key k(i % keys), every ninth without a key; headers carry key and seq. */
    static void publish(String topic, int n, int keys) {
        List<Envelope> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = i % 9 == 4 ? null : "k" + (i % keys);
            Envelope.Builder b = Envelope.builder(TopicName.of(topic), i % 2 == 0 ? MessageType.EVENT : MessageType.COMMAND,
                    RawJson.of("{\"seq\":" + i + ",\"note\":\"line\\nbreak é\"}"))
                    .metadata(Metadata.builder().correlationId("corr-" + i)
                            .headers(Map.of("seq", Integer.toString(i), "key", String.valueOf(key))).build());
            if (key != null) {
                b.key(key);
            }
            batch.add(b.build());
            if (batch.size() == 250) {
                client.publishBatch(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            client.publishBatch(batch);
        }
    }

    /** Every message of a topic, partition by partition in offset order. */
    static List<JsonNode> replayAll(String topic) {
        return replayAll(url, topic);
    }

    static List<JsonNode> replayAll(String base, String topic) {
        int partitions = json(http(base, "GET", "/v1/topics/" + topic, null).body()).get("partitions").asInt();
        List<JsonNode> out = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            for (long from = 0; ; ) {
                JsonNode page = json(http(base, "GET", "/v1/topics/" + topic + "/messages?limit=1000&partition=" + p + "&from_offset=" + from, null).body());
                if (page.get("messages").isEmpty()) {
                    break;
                }
                for (JsonNode m : page.get("messages")) {
                    out.add(m);
                    from = m.get("offset").asLong() + 1;
                }
            }
        }
        return out;
    }

    /** What an import keeps of a message: everything but where it landed, when, and the topic. */
    static JsonNode kept(JsonNode m) {
        ObjectNode k = m.deepCopy();
        k.remove(List.of("topic", "partition", "offset", "timestamp"));
        return k;
    }

    static String unzstd(Path file) {
        try (InputStream in = new ZstdInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void exportThenImportKeepsIdsKeysHeadersPayloadsAndPerKeyOrder() {
        http("POST", "/v1/topics", "{\"name\":\"cli.src\",\"partitions\":3,\"durability\":\"durable\",\"retention\":{\"max_messages\":100000}}");
        publish("cli.src", 1200, 17);
        Path out = dir.resolve("export-src");

        Run ex = kmb("export", "--url", url, "--topic", "cli.src", "--out", out.toString(), "--page", "333");

        assertThat(ex.exit()).as(ex.err()).isZero();
        assertThat(ex.out()).contains("exported 1,200 messages of cli.src (3 partitions)");
        assertThat(ex.err()).contains("1,200/1,200 messages (100%)");
        assertThat(out.resolve("manifest.json")).isRegularFile();
        assertThat(json(readString(out.resolve("manifest.json"))).get("message_count").asLong()).isEqualTo(1200);

        Run im = kmb("import", "--url", url, "--in", out.toString(), "--topic", "cli.copy", "--batch", "100");

        assertThat(im.exit()).as(im.err()).isZero();
        assertThat(im.out()).contains("imported 1,200 messages").contains("into cli.copy (created)");
        JsonNode copyTopic = json(http("GET", "/v1/topics/cli.copy", null).body());
        assertThat(copyTopic.get("partitions").asInt()).isEqualTo(3);
        assertThat(copyTopic.get("durability").asText()).isEqualTo("durable");
        assertThat(copyTopic.at("/retention/max_messages").asLong()).isEqualTo(100000);
        Map<String, JsonNode> source = new HashMap<>();
        for (JsonNode m : replayAll("cli.src")) {
            source.put(m.get("id").asText(), m);
        }
        List<JsonNode> copied = replayAll("cli.copy");
        assertThat(copied).hasSize(1200);
        Map<String, Integer> lastSeq = new HashMap<>();
        for (JsonNode m : copied) {
            JsonNode original = source.get(m.get("id").asText());
            assertThat(original).as("copy of a source message").isNotNull();
            assertThat(kept(m)).isEqualTo(kept(original));
            if (m.has("key")) {
                // same key, same partition count: the same partition, and the key's order
                assertThat(m.get("partition")).isEqualTo(original.get("partition"));
                int seq = m.at("/payload/seq").asInt();
                assertThat(seq).isGreaterThan(lastSeq.getOrDefault(m.get("key").asText(), -1));
                lastSeq.put(m.get("key").asText(), seq);
            }
        }
        assertThat(lastSeq).hasSize(17);
    }

    @Test
    void aTopicMovesFromTheEmbeddedLogToABusOnKafkaWithKeysHeadersAndPerKeyOrder() {
        http("POST", "/v1/topics", "{\"name\":\"cli.move\",\"partitions\":3,\"durability\":\"durable\"}");
        publish("cli.move", 900, 13);
        Path out = dir.resolve("export-move");
        assertThat(kmb("export", "--url", url, "--topic", "cli.move", "--out", out.toString()).exit()).isZero();

        String prefix = "cli" + java.util.UUID.randomUUID().toString().substring(0, 8) + ".";
        try (KmbServer onKafka = KmbServer.start(ServerConfig.defaults().withPort(0).withDataDir(dir.resolve("kafka-node"))
                .withBackend(new dev.kmb.server.LogBackend.Kafka(dev.kmb.testing.TestKafka.bootstrapServers(), prefix, "cli")))) {
            String kafkaUrl = "http://127.0.0.1:" + onKafka.port();
            Run im = kmb("import", "--url", kafkaUrl, "--in", out.toString(), "--batch", "100");

            assertThat(im.exit()).as(im.err()).isZero();
            assertThat(im.out()).contains("imported 900 messages").contains("into cli.move (created)");
            Map<String, JsonNode> source = new HashMap<>();
            replayAll("cli.move").forEach(m -> source.put(m.get("id").asText(), m));
            List<JsonNode> moved = replayAll(kafkaUrl, "cli.move");
            assertThat(moved).hasSize(900);
            Map<String, Integer> lastSeq = new HashMap<>();
            for (JsonNode m : moved) {
                JsonNode original = source.get(m.get("id").asText());
                assertThat(original).as("copy of a source message").isNotNull();
                assertThat(kept(m)).isEqualTo(kept(original)); // id, type, key, headers, payload, metadata
                if (m.has("key")) { // Kafka's partitioner agrees with the embedded log's: same partition, same order
                    assertThat(m.get("partition")).isEqualTo(original.get("partition"));
                    int seq = m.at("/payload/seq").asInt();
                    assertThat(seq).isGreaterThan(lastSeq.getOrDefault(m.get("key").asText(), -1));
                    lastSeq.put(m.get("key").asText(), seq);
                }
            }
            assertThat(lastSeq).hasSize(13);
        }
    }

    @Test
    void anExportIsABusSnapshotAndABusSnapshotImports() {
        http("POST", "/v1/topics", "{\"name\":\"cli.fmt\",\"partitions\":2}");
        publish("cli.fmt", 300, 5);
        http("POST", "/v1/publish", "{\"topic\":\"cli.fmt\",\"type\":\"event\",\"key\":\"k1\",\"payload\":{\n  \"pretty\": [1,\n 2]\n}}");
        Path out = dir.resolve("export-fmt");
        assertThat(kmb("export", "--url", url, "--topic", "cli.fmt", "--out", out.toString()).exit()).isZero();
        JsonNode taken = json(http("POST", "/v1/topics/cli.fmt/snapshots", null).body());
        Path bus = dir.resolve("data").resolve("snapshots").resolve("default").resolve(taken.get("id").asText());

        assertThat(unzstd(out.resolve("messages.jsonl.zst"))).isEqualTo(unzstd(bus.resolve("messages.jsonl.zst")));
        ObjectNode exported = (ObjectNode) json(readString(out.resolve("manifest.json")));
        ObjectNode snapshot = (ObjectNode) taken.get("manifest");
        for (ObjectNode m : List.of(exported, snapshot)) {
            m.remove(List.of("created_at", "data"));
        }
        assertThat(exported).isEqualTo(snapshot);

        Run im = kmb("import", "--url", url, "--in", bus.toString(), "--topic", "cli.fmt.copy");
        assertThat(im.exit()).as(im.err()).isZero();
        assertThat(im.out()).contains("imported 301 messages");
        assertThat(replayAll("cli.fmt.copy")).hasSize(301);
    }

    @Test
    void aDamagedSnapshotImportsNothingAndExitsOne() {
        http("POST", "/v1/topics", "{\"name\":\"cli.dmg\",\"partitions\":1}");
        publish("cli.dmg", 50, 3);
        Path out = dir.resolve("export-dmg");
        assertThat(kmb("export", "--url", url, "--topic", "cli.dmg", "--out", out.toString()).exit()).isZero();
        Path data = out.resolve("messages.jsonl.zst");
        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x04);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        Run im = kmb("import", "--url", url, "--in", out.toString(), "--topic", "cli.never");

        assertThat(im.exit()).isEqualTo(ExitCodes.DAMAGED);
        assertThat(im.err()).contains("is damaged, nothing imported");
        assertThat(http("GET", "/v1/topics/cli.never", null).statusCode()).isEqualTo(404);
    }

    @Test
    void badArgumentsExitTwoWithAMessageAndWriteNothing() throws IOException {
        Path out = dir.resolve("export-bad");
        Run unknown = kmb("export", "--url", url, "--topic", "no.such.topic", "--out", out.toString());
        assertThat(unknown.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(unknown.err()).contains("topic_not_found");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("export-bad.tmp")).doesNotExist();

        Files.createDirectories(out);
        http("POST", "/v1/topics", "{\"name\":\"cli.bad\"}");
        assertThat(kmb("export", "--url", url, "--topic", "cli.bad", "--out", out.toString()).err()).contains("must not exist");
        assertThat(kmb("export", "--url", url, "--topic", "bad topic!", "--out", dir.resolve("x").toString()).exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(kmb("export", "--url", url, "--topic", "cli.bad", "--out", dir.resolve("x").toString(), "--page", "0").exit())
                .isEqualTo(ExitCodes.ERROR);
        Run unreachable = kmb("export", "--url", "http://127.0.0.1:1", "--topic", "cli.bad", "--out", dir.resolve("y").toString());
        assertThat(unreachable.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(unreachable.err()).contains("cannot reach the bus");
        Run missing = kmb("import", "--url", url, "--in", dir.resolve("nowhere").toString());
        assertThat(missing.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(missing.err()).contains("no snapshot at");
        assertThat(kmb("import", "--url", url, "--in", out.toString(), "--batch", "0").exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(kmb("import", "--url", url).exit()).isEqualTo(ExitCodes.ERROR); // --in is required
        assertThat(dir.resolve("x")).doesNotExist();
    }

    static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
