package dev.kmb.broker;

import dev.kmb.broker.spi.AckedRanges;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The acked offsets above a partition's ack floor, as bits over a base offset: one bit per offset in the span
 * instead of a boxed tree node per acked offset. With a message waiting in backoff the set holds every offset
 * acked since, thousands per second, and it is copied on each checkpoint; a profile with 1 % of messages nacked
 * put the tree's boxing and iteration at a fifth of the bus's CPU. Not thread-safe (the dispatcher owns it).
 */
final class AckedOffsets {

    private long base;
    private BitSet bits = new BitSet();

    /** Adds an offset. @throws IllegalStateException when it lies over 2^31 offsets from the lowest one held */
    void add(long offset) {
        if (bits.isEmpty()) {
            base = offset;
            bits.set(0);
            return;
        }
        if (offset < base) {
            rebase(offset);
        }
        bits.set(index(offset));
    }

    boolean contains(long offset) {
        return offset >= base && offset - base < Integer.MAX_VALUE && bits.get((int) (offset - base));
    }

    boolean isEmpty() {
        return bits.isEmpty();
    }

    int size() {
        return bits.cardinality();
    }

    void clear() {
        bits.clear();
    }

    /** Drops every offset below {@code offset}. */
    void removeBelow(long offset) {
        if (offset <= base || bits.isEmpty()) {
            return;
        }
        long shift = offset - base;
        if (shift >= bits.length()) {
            bits.clear();
        } else {
            bits = bits.get((int) shift, bits.length());
        }
        base = offset;
    }

    /**
     * The ack floor moved up over every offset held from {@code floor} on without a gap; those are dropped, and so is
     * everything below. Returns the new floor.
     */
    long advance(long floor) {
        if (bits.isEmpty() || floor < base) {
            return floor;
        }
        if (floor - base < Integer.MAX_VALUE) {
            int gap = bits.nextClearBit((int) (floor - base));
            floor = base + gap;
        }
        removeBelow(floor);
        return floor;
    }

    /** The offsets held as ranges: a pair of longs per run of consecutive offsets, not one long per offset. */
    AckedRanges ranges() {
        if (bits.isEmpty()) {
            return AckedRanges.NONE;
        }
        long[] bounds = new long[16];
        int n = 0;
        for (int i = bits.nextSetBit(0); i >= 0; ) {
            int clear = bits.nextClearBit(i);
            if (n + 2 > bounds.length) {
                bounds = Arrays.copyOf(bounds, bounds.length * 2);
            }
            bounds[n++] = base + i;
            bounds[n++] = base + clear - 1;
            i = bits.nextSetBit(clear);
        }
        return AckedRanges.ofBounds(Arrays.copyOf(bounds, n));
    }

    /** Adds every offset of {@code ranges}. */
    void addAll(AckedRanges ranges) {
        for (int r = 0; r < ranges.rangeCount(); r++) {
            add(ranges.start(r));
            long end = ranges.end(r);
            if (end > ranges.start(r)) {
                add(end);
                bits.set(index(ranges.start(r)), index(end) + 1);
            }
        }
    }

    private int index(long offset) {
        long i = offset - base;
        if (i >= Integer.MAX_VALUE) {
            throw new IllegalStateException("acked offsets span more than 2^31 offsets above " + base);
        }
        return (int) i;
    }

    private void rebase(long newBase) {
        long shift = base - newBase;
        if (shift + bits.length() >= Integer.MAX_VALUE) {
            throw new IllegalStateException("acked offsets span more than 2^31 offsets above " + newBase);
        }
        BitSet moved = new BitSet((int) (shift + bits.length()));
        for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
            moved.set((int) (i + shift));
        }
        bits = moved;
        base = newBase;
    }
}
