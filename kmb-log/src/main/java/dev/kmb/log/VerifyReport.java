package dev.kmb.log;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code kmb log verify} found: a summary per partition, the damage (bad CRC, torn or out-of-sequence
 * batches, wrong index entries, unreadable metadata) and notes (stale or missing indexes, which recovery
 * rebuilds). Immutable.
 */
public record VerifyReport(Path directory, List<PartitionSummary> partitions, List<Finding> damage, List<Finding> notes) {

    public VerifyReport {
        partitions = List.copyOf(partitions);
        damage = List.copyOf(damage);
        notes = List.copyOf(notes);
    }

    /** True when nothing is damaged (notes do not count). */
    public boolean clean() {
        return damage.isEmpty();
    }

    /** One partition's contents as far as its batches are valid. */
    public record PartitionSummary(String topic, int partition, int segments, long batches, long records, long bytes,
                                   long startOffset, long endOffset) {
    }

    /** One problem: the file, the byte position (-1 when not about a position) and what is wrong. */
    public record Finding(Path file, long position, String detail) {
        @Override
        public String toString() {
            return file + (position >= 0 ? " @" + position : "") + ": " + detail;
        }
    }
}
