package dev.kmb.core;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

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

    private static final int ADMIT_ONE_IN = 8;

    // The hash is kept to reject a colliding slot without loading its topic string (a likely cache miss).
    private record Slot<T>(long generation, int hash, String topic, List<T> result) {}

    private final Slot<T>[] slots;
    // A compact copy of each slot's hash: a miss is usually decided here without touching the Slot object, which
    // lives somewhere in the heap and costs a memory access of its own. Racy but only a filter: the Slot decides.
    private final int[] hashes;
    private final int mask;
    private volatile long generation;

    @SuppressWarnings("unchecked")
    MatchCache(int capacity) {
        int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        this.slots = (Slot<T>[]) new Slot<?>[size];
        this.hashes = new int[size];
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
        int hash = topic.hashCode();
        int index = index(hash);
        if (hashes[index] != hash) {
            return null;
        }
        Slot<T> slot = slots[index];
        if (slot != null && slot.hash == hash && slot.generation == seenGeneration && slot.topic.equals(topic)) {
            return slot.result;
        }
        return null;
    }

    /**
     * Caches a result, but only for about one miss in {@value #ADMIT_ONE_IN}: writing on every miss made a uniform
     * (cache-hostile) workload slower than no cache at all, while a popular topic misses often enough to get in.
     */
    void put(long seenGeneration, String topic, List<T> result) {
        if ((seenGeneration & 1) == 0 && ThreadLocalRandom.current().nextInt(ADMIT_ONE_IN) == 0) {
            int hash = topic.hashCode();
            int index = index(hash);
            slots[index] = new Slot<>(seenGeneration, hash, topic, result);
            hashes[index] = hash;
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

    private int index(int hash) {
        return (hash ^ (hash >>> 16)) & mask;
    }
}
