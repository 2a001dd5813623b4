package dev.kmb.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a snapshot holds, as {@code manifest.json} says it (see {@link SnapshotFormat}). Reading validates every
 * member and answers a bad manifest with 422 {@code snapshot_corrupt}. Immutable.
 *
 * <p>{@code count} of a partition can be below {@code end_offset - start_offset}: retention may delete records
 * while the snapshot reads, and offsets the log keeps for itself (control records) hold no message.
 *
 * @param topic        the topic the snapshot was taken of
 * @param config       that topic's config when the snapshot was taken
 * @param partitions   one range per partition, partition 0 first
 * @param messageCount messages in the data file
 * @param minTimestamp oldest message timestamp; empty when there is no message
 * @param maxTimestamp newest message timestamp; empty when there is no message
 * @param dataBytes    size of the (compressed) data file
 * @param dataSha256   SHA-256 of the (compressed) data file, lower-case hex
 * @param createdAt    when the snapshot was taken (its offsets were captured)
 */
public record SnapshotManifest(TopicName topic, TopicSpec config, List<PartitionRange> partitions, long messageCount,
                               Optional<Instant> minTimestamp, Optional<Instant> maxTimestamp, long dataBytes,
                               String dataSha256, Instant createdAt) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    public SnapshotManifest {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(config, "config");
        partitions = List.copyOf(partitions);
        Objects.requireNonNull(minTimestamp, "minTimestamp");
        Objects.requireNonNull(maxTimestamp, "maxTimestamp");
        Objects.requireNonNull(dataSha256, "dataSha256");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /**
     * The offsets a snapshot read from one partition.
     *
     * @param startOffset first offset the read began at
     * @param endOffset   the partition's end offset captured when the snapshot began; nothing at or past it is in it
     * @param count       messages of this partition in the data file
     */
    public record PartitionRange(int partition, long startOffset, long endOffset, long count) {
    }

    /** The manifest as JSON (the shape of {@code manifest.json} and of the API's answers). */
    public ObjectNode toJson() {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", SnapshotFormat.FORMAT);
        m.put("format_version", SnapshotFormat.VERSION);
        m.put("topic", topic.value());
        m.set("config", configJson(config));
        ArrayNode ps = m.putArray("partitions");
        for (PartitionRange p : partitions) {
            ps.addObject().put("partition", p.partition()).put("start_offset", p.startOffset())
                    .put("end_offset", p.endOffset()).put("count", p.count());
        }
        m.put("message_count", messageCount);
        m.put("min_timestamp", minTimestamp.map(Instant::toString).orElse(null));
        m.put("max_timestamp", maxTimestamp.map(Instant::toString).orElse(null));
        m.putObject("data").put("file", SnapshotFormat.DATA_FILE).put("bytes", dataBytes).put("sha256", dataSha256);
        m.put("created_at", createdAt.toString());
        return m;
    }

    /** The bytes of {@code manifest.json}: indented, so people can read it. */
    public byte[] toBytes() {
        try {
            return JSON.writeValueAsBytes(toJson());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a manifest could not be written as JSON", e);
        }
    }

    /** Reads {@code manifest.json} bytes. @throws ProblemException 422 {@code snapshot_corrupt} naming the bad member */
    public static SnapshotManifest parse(byte[] json) {
        JsonNode m;
        try {
            m = JSON.readTree(json);
        } catch (IOException e) {
            throw corrupt("is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (m == null || !m.isObject()) {
            throw corrupt("is not a JSON object");
        }
        if (!SnapshotFormat.FORMAT.equals(m.path("format").asText())) {
            throw corrupt("format must be \"" + SnapshotFormat.FORMAT + "\", was " + m.path("format"));
        }
        if (m.path("format_version").asInt(-1) != SnapshotFormat.VERSION) {
            throw corrupt("format_version " + m.path("format_version") + " is not one this bus reads ("
                    + SnapshotFormat.VERSION + ")");
        }
        TopicName topic = member("topic", () -> TopicName.of(text(m, "topic")));
        TopicSpec config = readConfig(m.path("config"));
        List<PartitionRange> partitions = readPartitions(m.path("partitions"), config.partitions());
        long count = count(m, "message_count");
        long sum = partitions.stream().mapToLong(PartitionRange::count).sum();
        if (sum != count) {
            throw corrupt("message_count is " + count + " but the partitions' counts add up to " + sum);
        }
        JsonNode data = m.path("data");
        if (!SnapshotFormat.DATA_FILE.equals(data.path("file").asText())) {
            throw corrupt("data.file must be \"" + SnapshotFormat.DATA_FILE + "\", was " + data.path("file"));
        }
        String sha = data.path("sha256").asText();
        if (!SHA256_HEX.matcher(sha).matches()) {
            throw corrupt("data.sha256 must be 64 lower-case hex digits, was " + data.path("sha256"));
        }
        return new SnapshotManifest(topic, config, partitions, count, time(m, "min_timestamp"),
                time(m, "max_timestamp"), count(data, "bytes"), sha,
                time(m, "created_at").orElseThrow(() -> corrupt("created_at is required")));
    }

    /** A topic config as JSON, in the shape of the topic routes: retention {@code max_age} in seconds, null = unlimited. */
    public static ObjectNode configJson(TopicSpec spec) {
        ObjectNode c = JSON.createObjectNode();
        c.put("partitions", spec.partitions());
        c.put("durability", spec.durability().wireName());
        ObjectNode r = c.putObject("retention");
        Retention ret = spec.retention();
        if (ret.maxAgeMillis() == Retention.UNLIMITED) {
            r.putNull("max_age");
        } else {
            long ms = ret.maxAgeMillis();
            r.put("max_age", ms % 1000 == 0 ? BigDecimal.valueOf(ms / 1000) : BigDecimal.valueOf(ms, 3).stripTrailingZeros());
        }
        putLimit(r, "max_messages", ret.maxMessages());
        putLimit(r, "max_bytes", ret.maxBytes());
        c.put("compression", spec.compression().wireName());
        return c;
    }

    /**
     * A topic config read from JSON in the shape of {@link #configJson} (members it does not know are ignored, so a
     * topic as the API answers it reads too). @throws ProblemException 422 {@code snapshot_corrupt}
     */
    public static TopicSpec readConfig(JsonNode c) {
        if (!c.isObject()) {
            throw corrupt("config must be an object");
        }
        JsonNode r = c.path("retention");
        return member("config", () -> new TopicSpec(c.path("partitions").asInt(-1),
                Durability.fromWireName(c.path("durability").asText()),
                new Retention(maxAgeMillis(r.path("max_age")), limit(r.path("max_messages")), limit(r.path("max_bytes"))),
                Compression.fromWireName(c.path("compression").asText())));
    }

    private static List<PartitionRange> readPartitions(JsonNode ps, int expected) {
        if (!ps.isArray() || ps.size() != expected) {
            throw corrupt("partitions must list each of the config's " + expected + " partitions");
        }
        List<PartitionRange> out = new ArrayList<>(expected);
        for (int i = 0; i < expected; i++) {
            JsonNode p = ps.get(i);
            PartitionRange range = new PartitionRange(p.path("partition").asInt(-1), count(p, "start_offset"),
                    count(p, "end_offset"), count(p, "count"));
            if (range.partition() != i || range.startOffset() > range.endOffset()
                    || range.count() > range.endOffset() - range.startOffset()) {
                throw corrupt("partitions[" + i + "] is not a valid range: " + p);
            }
            out.add(range);
        }
        return out;
    }

    private static void putLimit(ObjectNode r, String name, long value) {
        if (value == Retention.UNLIMITED) {
            r.putNull(name);
        } else {
            r.put(name, value);
        }
    }

    private static long maxAgeMillis(JsonNode v) {
        if (v.isMissingNode() || v.isNull() || (v.isNumber() && v.decimalValue().compareTo(BigDecimal.ONE.negate()) == 0)) {
            return Retention.UNLIMITED;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("retention.max_age must be seconds, was " + v);
        }
        return v.decimalValue().movePointRight(3).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    private static long limit(JsonNode v) {
        if (v.isMissingNode() || v.isNull()) {
            return Retention.UNLIMITED;
        }
        if (!v.canConvertToLong()) {
            throw new IllegalArgumentException("a retention limit must be a whole number, was " + v);
        }
        return v.asLong();
    }

    private static String text(JsonNode m, String name) {
        JsonNode v = m.path(name);
        if (!v.isTextual()) {
            throw new IllegalArgumentException(name + " must be a string, was " + v);
        }
        return v.asText();
    }

    private static long count(JsonNode m, String name) {
        JsonNode v = m.path(name);
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
            throw corrupt(name + " must be a whole number >= 0, was " + v);
        }
        return v.asLong();
    }

    private static Optional<Instant> time(JsonNode m, String name) {
        JsonNode v = m.path(name);
        if (v.isMissingNode() || v.isNull()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(v.asText()));
        } catch (DateTimeParseException e) {
            throw corrupt(name + " must be an RFC 3339 time, was " + v);
        }
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T member(String name, Parse<T> parse) {
        try {
            return parse.get();
        } catch (ProblemException e) {
            throw corrupt(name + ": " + e.problem().detail());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw corrupt(name + ": " + e.getMessage());
        }
    }

    static ProblemException corrupt(String what) {
        return new ProblemException(ProblemCode.SNAPSHOT_CORRUPT, "snapshot manifest " + what);
    }
}
