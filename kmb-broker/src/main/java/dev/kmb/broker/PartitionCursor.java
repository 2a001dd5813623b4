package dev.kmb.broker;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.TopicPartition;
import java.util.ArrayDeque;
import java.util.TreeSet;

/**
 * A subscription's position on one partition: the ack floor (everything below is acked), the acked
 * offsets above it, the next offset to read, and a small read-ahead buffer. Owned by one dispatcher
 * thread; not thread-safe.
 */
final class PartitionCursor {

    final TopicPartition logPartition;
    final TopicName topic;
    private long floor;
    private final TreeSet<Long> ackedAbove = new TreeSet<>();
    private long nextRead;
    private final ArrayDeque<LogEntry> buffer = new ArrayDeque<>();
    long redelivered;
    /** Next offset after the last one handed out (for resumable cursors of ephemeral subscriptions). */
    long deliveredUpTo;

    PartitionCursor(TopicPartition logPartition, TopicName topic, long floor, long[] acked) {
        this.logPartition = logPartition;
        this.topic = topic;
        reset(floor);
        for (long a : acked) {
            if (a >= floor) {
                ackedAbove.add(a);
            }
        }
        advanceFloor();
    }

    long floor() {
        return floor;
    }

    long[] ackedAbove() {
        return ackedAbove.stream().mapToLong(Long::longValue).toArray();
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
        if (offset < floor) {
            return false;
        }
        ackedAbove.add(offset);
        long before = floor;
        advanceFloor();
        return floor != before;
    }

    private void advanceFloor() {
        while (!ackedAbove.isEmpty() && ackedAbove.first() == floor) {
            ackedAbove.pollFirst();
            floor++;
        }
    }

    /** Starts over at {@code offset}: nothing below it is pending, nothing above it acked. */
    void reset(long offset) {
        floor = offset;
        ackedAbove.clear();
        nextRead = offset;
        deliveredUpTo = offset;
        buffer.clear();
    }

    /** The log dropped everything below {@code start} (retention): those are no longer pending. */
    void skipTo(long start) {
        if (floor < start) {
            floor = start;
            ackedAbove.headSet(start).clear();
            advanceFloor();
        }
        if (nextRead < start) {
            nextRead = start;
            buffer.clear();
        }
        deliveredUpTo = Math.max(deliveredUpTo, start);
    }

    ArrayDeque<LogEntry> buffer() {
        return buffer;
    }

    /** Records read from the log are buffered; {@code next} is the offset after the last one read. */
    void buffered(Iterable<LogEntry> entries, long next) {
        for (LogEntry e : entries) {
            if (!isAcked(e.offset())) {
                buffer.add(e);
            }
        }
        nextRead = next;
    }
}
