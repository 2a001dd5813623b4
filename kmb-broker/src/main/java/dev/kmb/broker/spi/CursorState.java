package dev.kmb.broker.spi;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.TopicPartition;
import java.util.List;
import java.util.Objects;

/**
 * The ack state of one subscription on one partition: every offset below {@code ackFloor} is acked, and so is each
 * offset in {@code ackedAbove}; everything else from {@code ackFloor} on is not. Immutable and thread-safe.
 *
 * <p>{@code ackFloor} is thus the first offset not known to be acked, the offset a restart redelivers from. The
 * constructor accepts acked offsets at or above {@code ackFloor} and normalises: a run of acked offsets starting at
 * the floor is folded into it ({@code floor 5, acked [5, 6, 9]} becomes {@code floor 7, acked [9]}). So a stored state is canonical: every entry is &gt; {@code ackFloor}, and two states
 * that ack the same offsets are {@link #equals equal}.
 *
 * @param tenant       owner of the subscription
 * @param subscription the subscription's name
 * @param topic        the topic of the partition
 * @param partition    the partition, &ge; 0
 * @param ackFloor     every offset below this is acked, &ge; 0
 * @param acked        acked offsets above the floor, as ranges
 * @param retries      messages of the partition in backoff or about to be dead-lettered, by offset; each at or
 *                     above the floor and not acked
 * @param seekGeneration the subscription's seek generation this state belongs to (0 before any seek): the store keeps
 *                     a stored state of a newer generation over this one
 */
public record CursorState(TenantId tenant, String subscription, TopicName topic, int partition, long ackFloor,
                          AckedRanges acked, List<PendingRetry> retries, long seekGeneration) {

    private static final int TO_STRING_LIMIT = 16;

    public CursorState {
        Objects.requireNonNull(tenant, "tenant");
        SubscriptionRecord.checkName(subscription);
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (ackFloor < 0) {
            throw new IllegalArgumentException("ack_floor must be >= 0, was " + ackFloor);
        }
        Objects.requireNonNull(acked, "acked");
        if (seekGeneration < 0) {
            throw new IllegalArgumentException("seek_generation must be >= 0, was " + seekGeneration);
        }
        if (!acked.isEmpty() && acked.first() < ackFloor) {
            throw new IllegalArgumentException("acked offsets must ascend strictly from ack_floor " + ackFloor
                    + ", but the first is " + acked.first());
        }
        if (!acked.isEmpty() && acked.first() == ackFloor) { // ranges never touch: only the first can fold
            ackFloor = acked.end(0) + 1;
            acked = acked.withoutFirst();
        }
        long floor = ackFloor;
        AckedRanges done = acked;
        List<PendingRetry> kept = List.copyOf(retries);
        boolean settled = false;
        for (PendingRetry r : kept) {
            settled |= r.offset() < floor || done.contains(r.offset());
        }
        retries = settled ? kept.stream().filter(r -> r.offset() >= floor && !done.contains(r.offset())).toList() : kept;
    }

    /** A state whose acked offsets above the floor are {@code ackedAbove}, ascending strictly. */
    public CursorState(TenantId tenant, String subscription, TopicName topic, int partition, long ackFloor,
                       long[] ackedAbove, List<PendingRetry> retries) {
        this(tenant, subscription, topic, partition, ackFloor, ranges(ackFloor, ackedAbove), retries, 0);
    }

    /** A state with no message in backoff. */
    public CursorState(TenantId tenant, String subscription, TopicName topic, int partition, long ackFloor,
                       long[] ackedAbove) {
        this(tenant, subscription, topic, partition, ackFloor, ackedAbove, List.of());
    }

    private static AckedRanges ranges(long ackFloor, long[] ackedAbove) {
        try {
            return AckedRanges.of(Objects.requireNonNull(ackedAbove, "ackedAbove"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("acked offsets must ascend strictly from ack_floor " + ackFloor + ": "
                    + e.getMessage(), e);
        }
    }

    /** No acks above the floor: everything below {@code ackFloor} is acked, nothing else. */
    public static CursorState at(TenantId tenant, String subscription, TopicName topic, int partition, long ackFloor) {
        return new CursorState(tenant, subscription, topic, partition, ackFloor, AckedRanges.NONE, List.of(), 0);
    }

    /** This state stamped with another seek generation. */
    public CursorState withSeekGeneration(long generation) {
        return new CursorState(tenant, subscription, topic, partition, ackFloor, acked, retries, generation);
    }

    /** The acked offsets above the floor, ascending; a fresh array each call. */
    public long[] ackedAbove() {
        return acked.toArray();
    }

    /** How many offsets above the floor are acked, without copying them. */
    public long ackedAboveCount() {
        return acked.count();
    }

    /** True when {@code offset} is acked. */
    public boolean isAcked(long offset) {
        return offset < ackFloor || acked.contains(offset);
    }

    /** The partition this state is for. */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    @Override
    public String toString() {
        return "CursorState[" + tenant + '/' + subscription + ' ' + topic + '-' + partition + " ackFloor=" + ackFloor
                + " acked=" + acked.toString(TO_STRING_LIMIT) + " retries=" + retries.size()
                + (seekGeneration == 0 ? "" : " seekGeneration=" + seekGeneration) + ']';
    }
}
