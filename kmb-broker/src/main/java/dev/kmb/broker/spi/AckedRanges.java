package dev.kmb.broker.spi;

import java.util.Arrays;

/**
 * A set of offsets as ascending, disjoint, non-adjacent inclusive ranges: the acked offsets above an ack floor, which
 * with a few messages in backoff are a few long runs. A snapshot costs one pair of longs per run instead of one long
 * per offset. Immutable and thread-safe.
 */
public final class AckedRanges {

    private static final long[] NO_BOUNDS = new long[0];

    /** The empty set. */
    public static final AckedRanges NONE = new AckedRanges(NO_BOUNDS, 0);

    /** Pairs {@code [start0, end0, start1, end1, ...]}; never shared with a caller. */
    private final long[] bounds;
    private final long count;

    private AckedRanges(long[] bounds, long count) {
        this.bounds = bounds;
        this.count = count;
    }

    /**
     * The set of {@code offsets}, which must ascend strictly.
     *
     * @throws IllegalArgumentException when they do not
     */
    public static AckedRanges of(long... offsets) {
        if (offsets.length == 0) {
            return NONE;
        }
        long[] b = new long[8];
        int n = 0;
        long start = offsets[0];
        long end = start;
        for (int i = 1; i < offsets.length; i++) {
            long o = offsets[i];
            if (o <= end) {
                throw new IllegalArgumentException("offsets must ascend strictly, but [" + i + "] is " + o + " after " + end);
            }
            if (o == end + 1) {
                end = o;
                continue;
            }
            b = append(b, n, start, end);
            n += 2;
            start = o;
            end = o;
        }
        b = append(b, n, start, end);
        n += 2;
        return new AckedRanges(Arrays.copyOf(b, n), offsets.length);
    }

    /**
     * The set of the inclusive ranges {@code [bounds[0], bounds[1]]}, {@code [bounds[2], bounds[3]]}, ... which must
     * ascend with a gap of at least one offset between two ranges (adjacent ranges are one range).
     *
     * @throws IllegalArgumentException when they do not
     */
    public static AckedRanges ofBounds(long[] bounds) {
        if (bounds.length % 2 != 0) {
            throw new IllegalArgumentException("range bounds come in pairs, got " + bounds.length);
        }
        if (bounds.length == 0) {
            return NONE;
        }
        long count = 0;
        for (int i = 0; i < bounds.length; i += 2) {
            if (bounds[i] < 0 || bounds[i + 1] < bounds[i]) {
                throw new IllegalArgumentException("range " + bounds[i] + ".." + bounds[i + 1] + " is empty or negative");
            }
            if (i > 0 && bounds[i] <= bounds[i - 1] + 1) {
                throw new IllegalArgumentException("ranges must ascend with a gap, but " + bounds[i] + ".." + bounds[i + 1]
                        + " follows " + bounds[i - 2] + ".." + bounds[i - 1]);
            }
            count += bounds[i + 1] - bounds[i] + 1;
        }
        return new AckedRanges(bounds.clone(), count);
    }

    private static long[] append(long[] b, int n, long start, long end) {
        long[] out = n + 2 > b.length ? Arrays.copyOf(b, b.length * 2) : b;
        out[n] = start;
        out[n + 1] = end;
        return out;
    }

    /** How many offsets the set holds. */
    public long count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** How many ranges the set holds. */
    public int rangeCount() {
        return bounds.length / 2;
    }

    /** The first offset of range {@code i}. */
    public long start(int i) {
        return bounds[2 * i];
    }

    /** The last offset of range {@code i} (inclusive). */
    public long end(int i) {
        return bounds[2 * i + 1];
    }

    /** The lowest offset held; the set must not be empty. */
    public long first() {
        return bounds[0];
    }

    public boolean contains(long offset) {
        int lo = 0;
        int hi = rangeCount() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (offset < start(mid)) {
                hi = mid - 1;
            } else if (offset > end(mid)) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** The set without its first range. */
    AckedRanges withoutFirst() {
        if (rangeCount() <= 1) {
            return NONE;
        }
        return new AckedRanges(Arrays.copyOfRange(bounds, 2, bounds.length), count - (end(0) - start(0) + 1));
    }

    /**
     * Every offset held, ascending.
     *
     * @throws IllegalStateException when there are more than fit an array
     */
    public long[] toArray() {
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(count + " offsets do not fit an array");
        }
        long[] out = new long[(int) count];
        int j = 0;
        for (int i = 0; i < rangeCount(); i++) {
            for (long o = start(i); o <= end(i); o++) {
                out[j++] = o;
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AckedRanges other && Arrays.equals(bounds, other.bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }

    /** At most {@code limit} ranges, then how many more. */
    String toString(int limit) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < Math.min(rangeCount(), limit); i++) {
            s.append(i == 0 ? "" : ", ").append(start(i));
            if (end(i) != start(i)) {
                s.append("..").append(end(i));
            }
        }
        if (rangeCount() > limit) {
            s.append(", ... ").append(rangeCount() - limit).append(" more ranges");
        }
        return s.append(']').toString();
    }

    @Override
    public String toString() {
        return toString(16);
    }
}
