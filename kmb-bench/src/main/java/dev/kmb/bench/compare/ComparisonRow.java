package dev.kmb.bench.compare;

import dev.kmb.bench.e2e.LoadResult;

/**
 * One system's outcome in a comparison: its max-rate and 50 %-rate runs, or why it was skipped (then both
 * runs are null). {@code durability} states what an acknowledged publish means on that system.
 */
public record ComparisonRow(String system, String durability, String skipped, LoadResult maxRate, LoadResult fixedRate) {

    public static ComparisonRow measured(String system, String durability, LoadResult maxRate, LoadResult fixedRate) {
        return new ComparisonRow(system, durability, null, maxRate, fixedRate);
    }

    public static ComparisonRow skipped(String system, String durability, String reason) {
        return new ComparisonRow(system, durability, reason, null, null);
    }

    /** True when the system ran (both phases). */
    public boolean ran() {
        return skipped == null;
    }
}
