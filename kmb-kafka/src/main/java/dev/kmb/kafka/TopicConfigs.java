package dev.kmb.kafka;

import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;

/**
 * A KMB {@link TopicSpec} as Kafka topic configs and back. Kafka holds partitions, retention and compression;
 * durability is kept in the spec topic ({@link SpecTopic}) because {@code min.insync.replicas} alone cannot
 * tell {@code durable} from {@code persistent} when the replication factor is 1. Stateless.
 *
 * <pre>
 *   KMB                        Kafka topic config
 *   retention.max_age          retention.ms      (-1 = unlimited)
 *   retention.max_bytes        retention.bytes   (-1 = unlimited; per partition, as in the embedded log)
 *   retention.max_messages     refused: Kafka has no count limit
 *   compression none|gzip|zstd compression.type  (brotli refused)
 *   durability persistent      min.insync.replicas = min(2, replication factor); producer acks=all
 *   durability durable         min.insync.replicas = 1; producer acks=all
 *   durability ephemeral       as durable (Kafka keeps no memory-only topics: stored, stronger than asked)
 * </pre>
 */
final class TopicConfigs {

    private TopicConfigs() {
    }

    /**
     * Throws when the spec asks for what Kafka cannot do, naming the alternatives.
     *
     * @throws IllegalArgumentException for {@code max_messages} retention or brotli compression
     */
    static void check(TopicSpec spec) {
        if (spec.retention().maxMessages() != Retention.UNLIMITED) {
            throw new IllegalArgumentException("retention max_messages is not supported on the Kafka backend (Kafka has no "
                    + "count limit); use max_age (retention.ms) or max_bytes (retention.bytes) instead");
        }
        if (spec.compression() == Compression.BROTLI) {
            throw new IllegalArgumentException("compression brotli is not supported on the Kafka backend; use gzip or zstd");
        }
    }

    /** The Kafka topic configs of a (checked) spec on a topic of {@code replicationFactor} replicas. */
    static Map<String, String> of(TopicSpec spec, int replicationFactor) {
        check(spec);
        Map<String, String> c = new LinkedHashMap<>();
        c.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(spec.retention().maxAgeMillis()));
        c.put(TopicConfig.RETENTION_BYTES_CONFIG, Long.toString(spec.retention().maxBytes()));
        c.put(TopicConfig.COMPRESSION_TYPE_CONFIG, spec.compression() == Compression.NONE ? "uncompressed" : spec.compression().wireName());
        c.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInSync(spec.durability(), replicationFactor)));
        return c;
    }

    static int minInSync(Durability durability, int replicationFactor) {
        return durability == Durability.PERSISTENT ? Math.min(2, replicationFactor) : 1;
    }

    /**
     * The spec a Kafka topic holds: partitions and configs from Kafka, durability from the spec topic (or, for a
     * topic KMB did not create, persistent when {@code min.insync.replicas} ≥ 2, else durable).
     */
    static TopicSpec toSpec(int partitions, Map<String, String> configs, Durability storedDurability) {
        long maxAge = unlimitedIfNegative(configs.get(TopicConfig.RETENTION_MS_CONFIG));
        long maxBytes = unlimitedIfNegative(configs.get(TopicConfig.RETENTION_BYTES_CONFIG));
        Compression compression = switch (configs.getOrDefault(TopicConfig.COMPRESSION_TYPE_CONFIG, "producer")) {
            case "gzip" -> Compression.GZIP;
            case "zstd" -> Compression.ZSTD;
            default -> Compression.NONE; // uncompressed, producer (we send uncompressed), or a codec KMB has no name for
        };
        Durability durability = storedDurability;
        if (durability == null) {
            String minIsr = configs.getOrDefault(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "1");
            durability = Integer.parseInt(minIsr) >= 2 ? Durability.PERSISTENT : Durability.DURABLE;
        }
        return new TopicSpec(partitions, durability, new Retention(maxAge, Retention.UNLIMITED, maxBytes), compression);
    }

    private static long unlimitedIfNegative(String value) {
        if (value == null) {
            return Retention.UNLIMITED;
        }
        long v = Long.parseLong(value);
        return v <= 0 ? Retention.UNLIMITED : v;
    }
}
