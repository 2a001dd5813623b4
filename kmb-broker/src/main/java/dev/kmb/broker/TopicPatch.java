package dev.kmb.broker;

import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import java.time.Duration;
import java.util.Optional;

/** A partial change of a topic's spec and dedup window: absent fields stay as they are. */
public record TopicPatch(Optional<Integer> partitions, Optional<Durability> durability, Optional<Retention> retention,
                         Optional<Compression> compression, Optional<Duration> dedupWindow) {

    /** A change of the spec only. */
    public TopicPatch(Optional<Integer> partitions, Optional<Durability> durability, Optional<Retention> retention,
                      Optional<Compression> compression) {
        this(partitions, durability, retention, compression, Optional.empty());
    }

    /** The spec after applying this patch to {@code spec}. */
    public TopicSpec applyTo(TopicSpec spec) {
        return new TopicSpec(partitions.orElse(spec.partitions()), durability.orElse(spec.durability()),
                retention.orElse(spec.retention()), compression.orElse(spec.compression()));
    }
}
