package dev.kmb.core;

import java.util.List;

/**
 * A fixed-size, direct-mapped cache of topic → match result for {@link TopicMatcherIndex}, invalidated in O(1) by a
 * generation number that works like a seqlock.
 *
 * <p>Readers never lock: a slot holds an immutable {@link Slot} (final fields, so a racy read sees it whole), and a
 * hit needs the slot's generation to equal the one the reader saw before it looked. The single writer makes the
 * generation odd while it changes the trie and even again afterwards, so results computed from an older trie can
 * never be served once the change is complete, and nothing is cached while the generation is odd. A collision
 * simply overwrites the slot: no eviction bookkeeping, and a skewed (Zipf) workload keeps its hot topics.
 */
final class MatchCache<T> {

    private record Slot<T>(long generation, String topic, List<T> result) {}

    private final Slot<T>[] slots;
    private final int mask;
    private volatile long generation;

    @SuppressWarnings("unchecked")
    MatchCache(int capacity) {
        int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        this.slots = (Slot<T>[]) new Slot<?>[size];
        this.mask = size - 1;
    }

    /** The generation to pass to {@link #get} and {@link #put}; odd means "a change is in progress, bypass". */
    long generation() {
        return generation;
    }

    /** The cached result, or null on a miss (internal API; saves an Optional on the hot path). */
    List<T> get(long seenGeneration, String topic) {
        if ((seenGeneration & 1) != 0) {
            return null;
        }
        Slot<T> slot = slots[index(topic)];
        if (slot != null && slot.generation == seenGeneration && slot.topic.equals(topic)) {
            return slot.result;
        }
        return null;
    }

    void put(long seenGeneration, String topic, List<T> result) {
        if ((seenGeneration & 1) == 0) {
            slots[index(topic)] = new Slot<>(seenGeneration, topic, result);
        }
    }

    /** Called by the (single, locked) writer before it changes the trie. */
    void beginChange() {
        generation = generation + 1;
    }

    /** Called by the writer after the change; every slot filled before it is now stale. */
    void endChange() {
        generation = generation + 1;
    }

    private int index(String topic) {
        int h = topic.hashCode();
        return (h ^ (h >>> 16)) & mask;
    }
}
