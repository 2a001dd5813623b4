package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What snapshot tests share: reading a snapshot's files on their own (zstd + Jackson, not the bus's reader),
 * replaying a whole topic over HTTP, and publishing messages with keys, headers and a sequence number.
 */
final class SnapshotTestData {

    private SnapshotTestData() {
    }

    /** Where the bus keeps a snapshot of the default tenant. */
    static Path snapshotDir(Path dataDir, String id) {
        return dataDir.resolve("snapshots").resolve("default").resolve(id);
    }

    /** The data file's lines, each parsed as JSON. */
    static List<JsonNode> dataLines(Path snapshot) {
        try (InputStream in = new ZstdInputStream(Files.newInputStream(snapshot.resolve("messages.jsonl.zst")))) {
            List<JsonNode> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
                if (!line.isEmpty()) {
                    out.add(TestServer.JSON.readTree(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256Hex(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Every message of a topic, partition by partition in offset order, as replay answers them (raw JSON text). */
    static List<String> replayAll(TestServer server, String topic) {
        int partitions = server.get("/v1/topics/" + topic).json().get("partitions").asInt();
        List<String> out = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            long from = 0;
            while (true) {
                TestServer.Answer a = server.get("/v1/topics/" + topic + "/messages?partition=" + p + "&from_offset=" + from + "&limit=1000");
                assertThat(a.status()).as(a.body()).isEqualTo(200);
                JsonNode messages = a.json().get("messages");
                if (messages.isEmpty()) {
                    break;
                }
                for (JsonNode m : messages) {
                    out.add(m.toString());
                    from = Math.max(from, m.get("offset").asLong() + 1);
                }
            }
        }
        return out;
    }

    /** One envelope: key {@code k<key>} (none when key < 0), headers naming key and seq, payload {"seq":seq}. */
    static String envelope(String topic, int key, int seq) {
        String k = key < 0 ? "" : ",\"key\":\"k" + key + "\"";
        return "{\"topic\":\"" + topic + "\",\"type\":\"event\"" + k + ",\"payload\":{\"seq\":" + seq + ",\"text\":\"é\\n\"},"
                + "\"metadata\":{\"conversation_id\":\"c" + key + "\",\"priority\":\"high\",\"headers\":{\"key\":\"k" + key
                + "\",\"seq\":\"" + seq + "\"}}}";
    }

    /**
     * Publishes {@code n} messages in batches of 100: message i has seq {@code first + i} and key {@code i % keys}, or no
     * key for every seventh message when {@code keyless} is set.
     */
    static void publish(TestServer server, String topic, int first, int n, int keys, boolean keyless) {
        for (int start = 0; start < n; start += 100) {
            StringBuilder batch = new StringBuilder("{\"messages\":[");
            for (int i = start; i < Math.min(n, start + 100); i++) {
                int key = keyless && i % 7 == 3 ? -1 : i % keys;
                batch.append(i == start ? "" : ",").append(envelope(topic, key, first + i));
            }
            TestServer.Answer a = server.post("/v1/publish", batch.append("]}").toString());
            assertThat(a.status()).as(a.body()).isEqualTo(200);
        }
    }
}
