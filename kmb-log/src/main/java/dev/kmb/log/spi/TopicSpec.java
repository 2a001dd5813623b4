package dev.kmb.log.spi;

import java.util.Objects;

/**
 * What the log needs to know of a topic: partition count, durability, retention and compression.
 *
 * @param partitions  number of partitions, 1..{@value #MAX_PARTITIONS}
 * @param durability  what an acknowledged append survives
 * @param retention   how much is kept
 * @param compression codec applied to each batch written from now on
 */
public record TopicSpec(int partitions, Durability durability, Retention retention, Compression compression) {

    /** Upper bound on partitions per topic. */
    public static final int MAX_PARTITIONS = 1024;

    public TopicSpec {
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("partitions must be in 1.." + MAX_PARTITIONS + ", was " + partitions);
        }
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(compression, "compression");
    }

    /** One partition, persistent, kept forever, uncompressed: the bus default. */
    public static TopicSpec defaults() {
        return new TopicSpec(1, Durability.PERSISTENT, Retention.FOREVER, Compression.NONE);
    }

    public TopicSpec withPartitions(int n) {
        return new TopicSpec(n, durability, retention, compression);
    }

    public TopicSpec withDurability(Durability d) {
        return new TopicSpec(partitions, d, retention, compression);
    }

    public TopicSpec withRetention(Retention r) {
        return new TopicSpec(partitions, durability, r, compression);
    }

    public TopicSpec withCompression(Compression c) {
        return new TopicSpec(partitions, durability, retention, c);
    }
}
