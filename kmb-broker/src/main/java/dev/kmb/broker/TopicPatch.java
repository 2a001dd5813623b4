package dev.kmb.broker;

import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import java.util.Optional;

/** A partial change of a topic's spec: absent fields stay as they are. */
public record TopicPatch(Optional<Integer> partitions, Optional<Durability> durability, Optional<Retention> retention,
                         Optional<Compression> compression) {

    /** The spec after applying this patch to {@code spec}. */
    public TopicSpec applyTo(TopicSpec spec) {
        return new TopicSpec(partitions.orElse(spec.partitions()), durability.orElse(spec.durability()),
                retention.orElse(spec.retention()), compression.orElse(spec.compression()));
    }
}
