package dev.kmb.broker;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.TopicSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A topic as the API shows it: its spec, its dedup window ({@link Duration#ZERO} when off) and, per partition, the
 * offsets it holds. Immutable.
 */
public record TopicInfo(TopicName name, TopicSpec spec, Instant createdAt, Instant updatedAt, List<PartitionInfo> partitions,
                        Duration dedupWindow) {

    public TopicInfo {
        partitions = List.copyOf(partitions);
    }

    /** Offsets of one partition: the first still kept and the next to be written. */
    public record PartitionInfo(int partition, long startOffset, long endOffset) {
    }
}
