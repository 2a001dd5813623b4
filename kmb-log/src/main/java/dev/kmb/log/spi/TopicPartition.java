package dev.kmb.log.spi;

import dev.kmb.core.TopicName;
import java.util.Objects;

/** One partition of one topic: the unit of ordering, of offsets and of the single writer. */
public record TopicPartition(TopicName topic, int partition) {

    public TopicPartition {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
    }

    @Override
    public String toString() {
        return topic.value() + "-" + partition;
    }
}
