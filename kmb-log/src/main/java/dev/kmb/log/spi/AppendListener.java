package dev.kmb.log.spi;

/**
 * Told when new records of a partition become visible to readers (after their durability class is met).
 * Called on the appending or the flushing thread: implementations must be quick and must not block.
 */
@FunctionalInterface
public interface AppendListener {
    void onAppend(TopicPartition partition, long endOffset);
}
