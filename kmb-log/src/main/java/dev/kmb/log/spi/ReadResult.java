package dev.kmb.log.spi;

import java.util.List;

/** The outcome of a read: records, or the offset range the caller fell outside of. */
public sealed interface ReadResult {

    /**
     * Records from the requested offset on, in offset order (possibly none when at the end).
     *
     * @param entries    the records read
     * @param nextOffset the offset to read from next
     * @param endOffset  the partition's end offset (next offset to be written) when the read began
     */
    record Records(List<LogEntry> entries, long nextOffset, long endOffset) implements ReadResult {
        public Records {
            entries = List.copyOf(entries);
        }
    }

    /**
     * The requested offset is not in the log: before its start (deleted by retention) or past its end.
     *
     * @param startOffset first offset still in the log
     * @param endOffset   next offset to be written
     */
    record OutOfRange(long requestedOffset, long startOffset, long endOffset) implements ReadResult {
    }
}
