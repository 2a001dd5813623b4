package dev.kmb.broker;

import dev.kmb.broker.spi.AckedRanges;
import dev.kmb.broker.spi.PendingRetry;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.TopicPartition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A subscription's position on one partition: the ack floor (everything below is acked), the acked
 * offsets above it, the next offset to read, a small read-ahead buffer, the messages in retry (persisted with
 * the ack state), and the look-ahead of the priority scan. Owned by one dispatcher thread; not thread-safe.
 */
final class PartitionCursor {

    final TopicPartition logPartition;
    final TopicName topic;
    private long floor;
    private final AckedOffsets ackedAbove = new AckedOffsets();
    private long nextRead;
    private final ArrayDeque<LogEntry> buffer = new ArrayDeque<>();
    long redelivered;
    /** Next offset after the last one handed out (for resumable cursors of ephemeral subscriptions). */
    long deliveredUpTo;
    /** Messages with at least one failed attempt and not settled, by offset: stored with the ack state. */
    final Map<Long, Tracked> retrying = new HashMap<>();
    /** Retry state read from the store at start, applied when the reader reaches the offset. */
    final Map<Long, PendingRetry> restored = new HashMap<>();
    /** Offsets the priority scan took ahead of the reader; the reader skips them. */
    final Set<Long> takenAhead = new HashSet<>();
    /** Strict ordering: keys the priority scan passed over (their later messages may not jump ahead). */
    final Set<String> keysPassed = new HashSet<>();
    /** Next offset the priority scan looks at. */
    long scanPos;
    /** Delayed messages of this partition the dispatcher holds (for lag). */
    int scheduled;

    PartitionCursor(TopicPartition logPartition, TopicName topic, long floor, AckedRanges acked) {
        this(logPartition, topic, floor, acked, List.of());
    }

    /** A cursor restored from its stored state: {@code acked} are at or above {@code floor} (what CursorState holds). */
    PartitionCursor(TopicPartition logPartition, TopicName topic, long floor, AckedRanges acked, List<PendingRetry> retries) {
        this.logPartition = logPartition;
        this.topic = topic;
        reset(floor);
        ackedAbove.addAll(acked);
        advanceFloor();
        for (PendingRetry r : retries) {
            restored.put(r.offset(), r);
        }
    }

    long floor() {
        return floor;
    }

    AckedRanges ackedAbove() {
        return ackedAbove.ranges();
    }

    int ackedAboveCount() {
        return ackedAbove.size();
    }

    long nextRead() {
        return nextRead;
    }

    boolean isAcked(long offset) {
        return offset < floor || ackedAbove.contains(offset);
    }

    /** Marks an offset acked; returns true when that moved the floor. */
    boolean ack(long offset) {
        if (!retrying.isEmpty()) {
            retrying.remove(offset);
        }
        if (offset < floor) {
            return false;
        }
        ackedAbove.add(offset);
        long before = floor;
        advanceFloor();
        return floor != before;
    }

    private void advanceFloor() {
        floor = ackedAbove.advance(floor);
    }

    /** Starts over at {@code offset}: nothing below it is pending, nothing above it acked or in retry. */
    void reset(long offset) {
        floor = offset;
        ackedAbove.clear();
        nextRead = offset;
        deliveredUpTo = offset;
        buffer.clear();
        retrying.clear();
        restored.clear();
        takenAhead.clear();
        keysPassed.clear();
        scanPos = offset;
        scheduled = 0;
    }

    /** The log dropped everything below {@code start} (retention): those are no longer pending. */
    void skipTo(long start) {
        if (floor < start) {
            floor = start;
            ackedAbove.removeBelow(start);
            advanceFloor();
        }
        if (nextRead < start) {
            nextRead = start;
            buffer.clear();
        }
        scanPos = Math.max(scanPos, start);
        deliveredUpTo = Math.max(deliveredUpTo, start);
    }

    ArrayDeque<LogEntry> buffer() {
        return buffer;
    }

    /**
     * Records read from the log are buffered, except those {@code takenAhead} claims (high priority, handled apart);
     * {@code next} is the offset after the last one read.
     */
    void buffered(Iterable<LogEntry> entries, long next, java.util.function.Predicate<LogEntry> takeAhead) {
        long expected = nextRead;
        for (LogEntry e : entries) {
            if (e.offset() != expected) {
                skipGap(expected, e.offset());
            }
            expected = e.offset() + 1;
            if (!isAcked(e.offset()) && (takenAhead.isEmpty() || !takenAhead.contains(e.offset())) && !takeAhead.test(e)) {
                buffer.add(e);
            }
        }
        if (next > expected) {
            skipGap(expected, next);
        }
        nextRead = next;
        if (scanPos < next) {
            scanPos = next; // the reader is past the scan: nothing it passed over is ahead of the reader any more
            keysPassed.clear();
        }
    }

    /**
     * Offsets the log will never deliver (transaction markers, records of aborted transactions) count as acked, so
     * the ack floor moves over them instead of stopping below an offset that never comes.
     */
    private void skipGap(long from, long to) {
        if (from <= floor) {
            if (to > floor) {
                floor = to;
                ackedAbove.removeBelow(to);
                advanceFloor();
            }
            return;
        }
        for (long o = from; o < to; o++) {
            ackedAbove.add(o);
        }
    }

    /** The retry state of this partition, as stored with its ack state. */
    List<PendingRetry> pendingRetries() {
        if (retrying.isEmpty() && restored.isEmpty()) {
            return List.of();
        }
        List<PendingRetry> out = new ArrayList<>(retrying.size() + restored.size());
        for (Tracked t : retrying.values()) {
            out.add(t.pending());
        }
        out.addAll(restored.values()); // not reached by the reader yet: keep them as they were
        out.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return out;
    }
}
