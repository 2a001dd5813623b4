package dev.kmb.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.EnvelopeLimits;
import dev.kmb.core.MessageType;
import dev.kmb.core.Metadata;
import dev.kmb.core.Priority;
import dev.kmb.core.ProblemException;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot files on their own: what the writer writes, the reader reads back, and every damage it refuses. */
class SnapshotFormatTest {

    static final TopicName TOPIC = TopicName.of("snap.format");
    static final TopicSpec SPEC = new TopicSpec(2, Durability.DURABLE, new Retention(90_500, 1000, Retention.UNLIMITED),
            Compression.GZIP);
    static final EnvelopeCodec CODEC = new EnvelopeCodec();

    @TempDir
    Path dir;

    static Envelope envelope(String key, String payload, Instant at) {
        Envelope.Builder b = Envelope.builder(TOPIC, MessageType.COMMAND, RawJson.of(payload)).timestamp(at)
                .metadata(Metadata.builder().headers(Map.of("tenant", "acme", "trace", "t-1")).priority(Priority.HIGH)
                        .ttl(Duration.ofSeconds(60)).conversationId("c-9").build());
        if (key != null) {
            b.key(key);
        }
        return b.build();
    }

    /** Writes the envelopes: partition i gets {@code perPartition.get(i)}, offsets from 10. */
    Path write(String name, List<List<Envelope>> perPartition) throws IOException {
        Path target = dir.resolve(name);
        try (SnapshotWriter w = SnapshotWriter.create(target, TOPIC, SPEC)) {
            for (int p = 0; p < perPartition.size(); p++) {
                w.beginPartition(p, 10, 10 + perPartition.get(p).size() + 5);
                long offset = 10;
                for (Envelope e : perPartition.get(p)) {
                    w.append(offset, e.timestamp().orElseThrow().toEpochMilli(),
                            Delivery.splice(CODEC.encode(e), "", p, offset, 0));
                    offset++;
                }
            }
            w.finish(Instant.parse("2026-11-21T10:00:00Z"));
        }
        return target;
    }

    static List<SnapshotMessage> readAll(Path snapshot, EnvelopeCodec codec) throws IOException {
        SnapshotReader r = SnapshotReader.open(snapshot, codec);
        r.verify();
        List<SnapshotMessage> out = new ArrayList<>();
        r.scan(out::add);
        return out;
    }

    List<List<Envelope>> sample() {
        Instant t0 = Instant.parse("2026-11-20T08:00:00.123Z");
        return List.of(
                List.of(envelope("k1", "{\"a\":[1,2.50,{\"b\":null}],\"s\":\"x\\ny\\\"\"}", t0),
                        envelope("k1", "42", t0.plusSeconds(1)),
                        envelope(null, "\"text with \\u00e9 and é\"", t0.plusSeconds(2))),
                List.of());
    }

    @Test
    void whatIsWrittenReadsBackMessageForMessageWithItsPartitionOffsetAndExactPayload() throws IOException {
        List<List<Envelope>> written = List.of(sample().get(0), List.of(envelope("k2", "true", Instant.parse("2026-11-19T00:00:00Z"))));
        Path snapshot = write("s1", written);

        List<SnapshotMessage> read = readAll(snapshot, CODEC);

        assertThat(read).extracting(SnapshotMessage::partition).containsExactly(0, 0, 0, 1);
        assertThat(read).extracting(SnapshotMessage::offset).containsExactly(10L, 11L, 12L, 10L);
        assertThat(read).extracting(SnapshotMessage::envelope)
                .containsExactly(written.get(0).get(0), written.get(0).get(1), written.get(0).get(2), written.get(1).get(0));
        SnapshotManifest m = SnapshotReader.open(snapshot, CODEC).manifest();
        assertThat(m.topic()).isEqualTo(TOPIC);
        assertThat(m.config()).isEqualTo(SPEC);
        assertThat(m.messageCount()).isEqualTo(4);
        assertThat(m.partitions()).containsExactly(new SnapshotManifest.PartitionRange(0, 10, 18, 3),
                new SnapshotManifest.PartitionRange(1, 10, 16, 1));
        assertThat(m.minTimestamp()).contains(Instant.parse("2026-11-19T00:00:00Z"));
        assertThat(m.maxTimestamp()).contains(Instant.parse("2026-11-20T08:00:02.123Z"));
        byte[] data = Files.readAllBytes(snapshot.resolve(SnapshotFormat.DATA_FILE));
        assertThat(m.dataSha256()).isEqualTo(HexFormat.of().formatHex(sha256(data)));
        assertThat(m.dataBytes()).isEqualTo(data.length);
        assertThat(dir.resolve("s1" + SnapshotFormat.TEMP_SUFFIX)).doesNotExist();
    }

    @Test
    void theManifestIsReadableJsonInTheTopicRoutesShape() throws IOException {
        Path snapshot = write("s2", sample());
        ObjectNode m = (ObjectNode) new ObjectMapper().readTree(snapshot.resolve(SnapshotFormat.MANIFEST_FILE).toFile());
        assertThat(m.get("format").asText()).isEqualTo("kmb-snapshot");
        assertThat(m.get("format_version").asInt()).isEqualTo(1);
        assertThat(m.at("/config/retention/max_age").decimalValue()).isEqualByComparingTo("90.5");
        assertThat(m.at("/config/retention/max_messages").asLong()).isEqualTo(1000);
        assertThat(m.at("/config/retention/max_bytes").isNull()).isTrue();
        assertThat(m.at("/config/compression").asText()).isEqualTo("gzip");
        assertThat(m.at("/data/file").asText()).isEqualTo("messages.jsonl.zst");
        assertThat(m.get("created_at").asText()).isEqualTo("2026-11-21T10:00:00Z");
    }

    @Test
    void aSnapshotOfAnEmptyTopicReadsBackEmpty() throws IOException {
        Path snapshot = write("empty", List.of(List.of(), List.of()));
        assertThat(readAll(snapshot, CODEC)).isEmpty();
        SnapshotManifest m = SnapshotReader.open(snapshot, CODEC).manifest();
        assertThat(m.messageCount()).isZero();
        assertThat(m.minTimestamp()).isEmpty();
        assertThat(m.partitions()).extracting(SnapshotManifest.PartitionRange::count).containsExactly(0L, 0L);
    }

    @Test
    void aPayloadWithLineBreaksStaysOneLineAndKeepsItsValue() throws IOException {
        Envelope pretty = envelope("k", "{\n  \"a\": 1,\r\n  \"b\": \"two\"\n}", Instant.parse("2026-11-20T08:00:00Z"));
        Path snapshot = write("s3", List.of(List.of(pretty, pretty), List.of()));

        List<String> lines = dataLines(snapshot);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("{\"partition\":0,\"offset\":10,").contains("\"payload\":{   \"a\": 1,    \"b\": \"two\" }");
        Envelope back = readAll(snapshot, CODEC).get(0).envelope();
        assertThat(new ObjectMapper().readTree(back.payload().asString()))
                .isEqualTo(new ObjectMapper().readTree(pretty.payload().asString()));
        assertThat(back.id()).isEqualTo(pretty.id());
    }

    @Test
    void aFlippedByteAnywhereInTheDataFileIsRefused() throws IOException {
        Path snapshot = write("s4", sample());
        Path data = snapshot.resolve(SnapshotFormat.DATA_FILE);
        long size = Files.size(data);
        for (long at : new long[] {0, size / 2, size - 1}) {
            flip(data, at);
            assertThatThrownBy(() -> SnapshotReader.open(snapshot, CODEC).verify())
                    .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.code().code()).isEqualTo("snapshot_corrupt"));
            flip(data, at);
        }
        SnapshotReader.open(snapshot, CODEC).verify(); // flipped back: intact again
    }

    @Test
    void aTruncatedDataFileIsRefused() throws IOException {
        Path snapshot = write("s5", sample());
        Path data = snapshot.resolve(SnapshotFormat.DATA_FILE);
        byte[] bytes = Files.readAllBytes(data);
        Files.write(data, java.util.Arrays.copyOf(bytes, bytes.length - 7));
        assertThatThrownBy(() -> SnapshotReader.open(snapshot, CODEC).verify())
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.code().code()).isEqualTo("snapshot_corrupt"));
    }

    @Test
    void aManifestThatDisagreesWithItselfOrTheDataIsRefused() throws IOException {
        Path snapshot = write("s6", sample());
        Path manifest = snapshot.resolve(SnapshotFormat.MANIFEST_FILE);
        String good = Files.readString(manifest);
        List<String> bad = List.of(
                good.replace("\"message_count\" : 3", "\"message_count\" : 4"),
                good.replace("\"format_version\" : 1", "\"format_version\" : 2"),
                good.replace("\"topic\" : \"snap.format\"", "\"topic\" : \"bad topic!\""),
                good.replaceFirst("\"sha256\" : \"[0-9a-f]", "\"sha256\" : \"x"),
                good.replaceFirst("\"count\" : 3", "\"count\" : 2").replace("\"message_count\" : 3", "\"message_count\" : 2"),
                good.substring(0, good.length() / 2),
                "");
        for (String b : bad) {
            assertThat(b).isNotEqualTo(good);
            Files.writeString(manifest, b);
            assertThatThrownBy(() -> SnapshotReader.open(snapshot, CODEC).verify()).as(b)
                    .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.code().code()).isEqualTo("snapshot_corrupt"));
        }
    }

    @Test
    void aMessageOfAnotherTopicOrALineWithoutItsOffsetIsRefused() throws IOException {
        Path target = dir.resolve("s7");
        Envelope other = Envelope.builder(TopicName.of("other.topic"), MessageType.EVENT, RawJson.of("1"))
                .timestamp(Instant.now()).build();
        try (SnapshotWriter w = SnapshotWriter.create(target, TOPIC, SPEC.withPartitions(1))) {
            w.beginPartition(0, 0, 1);
            w.append(0, 0, Delivery.splice(CODEC.encode(other), "", 0, 0, 0));
            w.finish(Instant.now());
        }
        assertThatThrownBy(() -> SnapshotReader.open(target, CODEC).verify()).hasMessageContaining("not a stored message of topic");

        Path target2 = dir.resolve("s8");
        try (SnapshotWriter w = SnapshotWriter.create(target2, TOPIC, SPEC.withPartitions(1))) {
            w.beginPartition(0, 0, 1);
            w.append(0, 0, CODEC.encode(envelope("k", "1", Instant.now())));
            w.finish(Instant.now());
        }
        assertThatThrownBy(() -> SnapshotReader.open(target2, CODEC).verify()).hasMessageContaining("lacks its partition or offset");
    }

    @Test
    void aMessageLargerThanThisBusAcceptsIsRefusedAsTooLarge() throws IOException {
        Envelope big = envelope("k", "\"" + "x".repeat(5000) + "\"", Instant.now());
        int size = CODEC.encode(big).length;
        Path snapshot = write("s9", List.of(List.of(big), List.of()));
        for (int limit : new int[] {1024, size - 10}) { // the line too long to read; the envelope too large to decode
            EnvelopeCodec small = new EnvelopeCodec(EnvelopeLimits.DEFAULT.withMaxEnvelopeBytes(limit));
            assertThatThrownBy(() -> SnapshotReader.open(snapshot, small).verify()).as("limit " + limit)
                    .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.code().code()).isEqualTo("message_too_large"));
        }
        assertThat(readAll(snapshot, new EnvelopeCodec(EnvelopeLimits.DEFAULT.withMaxEnvelopeBytes(size)))).hasSize(1);
    }

    @Test
    void anUnfinishedWriterLeavesNothingAndNeverWritesOverASnapshot() throws IOException {
        Path target = dir.resolve("s10");
        try (SnapshotWriter w = SnapshotWriter.create(target, TOPIC, SPEC)) {
            w.beginPartition(0, 0, 5);
            w.append(0, 0, Delivery.splice(CODEC.encode(envelope("k", "1", Instant.now())), "", 0, 0, 0));
        }
        assertThat(dir).isEmptyDirectory();
        write("s10", sample());
        assertThatThrownBy(() -> SnapshotWriter.create(target, TOPIC, SPEC)).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> {
            try (SnapshotWriter w = SnapshotWriter.create(dir.resolve("s11"), TOPIC, SPEC)) {
                w.beginPartition(1, 0, 0);
            }
        }).isInstanceOf(IllegalStateException.class);
    }

    static List<String> dataLines(Path snapshot) throws IOException {
        try (InputStream in = new ZstdInputStream(Files.newInputStream(snapshot.resolve(SnapshotFormat.DATA_FILE)))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    static void flip(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x10);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
