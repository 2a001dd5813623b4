package dev.kmb.broker.spi;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.TopicPartition;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The ack state of one subscription on one partition: every offset below {@code ackFloor} is acked, and so is each
 * offset in {@code ackedAbove}; everything else from {@code ackFloor} on is not. Immutable and thread-safe.
 *
 * <p>{@code ackFloor} is thus the first offset not known to be acked, the offset a restart redelivers from. The
 * constructor accepts {@code ackedAbove} sorted strictly ascending with every entry &ge; {@code ackFloor}, and
 * normalises: a run of acked offsets starting at the floor is folded into it ({@code floor 5, acked [5, 6, 9]} becomes
 * {@code floor 7, acked [9]}). So a stored state is canonical: every entry is &gt; {@code ackFloor}, and two states
 * that ack the same offsets are {@link #equals equal}.
 *
 * @param tenant       owner of the subscription
 * @param subscription the subscription's name
 * @param topic        the topic of the partition
 * @param partition    the partition, &ge; 0
 * @param ackFloor     every offset below this is acked, &ge; 0
 * @param ackedAbove   acked offsets above the floor, ascending (a copy: the record never shares its array)
 * @param retries      messages of the partition in backoff or about to be dead-lettered, by offset; each at or
 *                     above the floor and not acked
 */
public record CursorState(TenantId tenant, String subscription, TopicName topic, int partition, long ackFloor,
                          long[] ackedAbove, List<PendingRetry> retries) {

    private static final long[] NONE = new long[0];
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
        Objects.requireNonNull(ackedAbove, "ackedAbove");
        long previous = ackFloor - 1;
        for (int i = 0; i < ackedAbove.length; i++) {
            if (ackedAbove[i] <= previous) {
                throw new IllegalArgumentException("acked offsets must ascend strictly from ack_floor " + ackFloor
                        + ", but [" + i + "] is " + ackedAbove[i] + " after " + previous);
            }
            previous = ackedAbove[i];
        }
        int folded = 0;
        while (folded < ackedAbove.length && ackedAbove[folded] == ackFloor) {
            ackFloor++;
            folded++;
        }
        ackedAbove = folded == ackedAbove.length ? NONE : Arrays.copyOfRange(ackedAbove, folded, ackedAbove.length);
        long floor = ackFloor;
        long[] acked = ackedAbove;
        retries = List.copyOf(retries).stream()
                .filter(r -> r.offset() >= floor && Arrays.binarySearch(acked, r.offset()) < 0) // settled meanwhile
                .toList();
    }

    /** A state with no message in backoff. */
    public CursorState(TenantId tenant, String subscription, TopicName topic, int partition, long ackFloor,
                       long[] ackedAbove) {
        this(tenant, subscription, topic, partition, ackFloor, ackedAbove, List.of());
    }

    /** No acks above the floor: everything below {@code ackFloor} is acked, nothing else. */
    public static CursorState at(TenantId tenant, String subscription, TopicName topic, int partition, long ackFloor) {
        return new CursorState(tenant, subscription, topic, partition, ackFloor, NONE);
    }

    /** The acked offsets above the floor, ascending; a fresh copy each call. */
    @Override
    public long[] ackedAbove() {
        return ackedAbove.length == 0 ? NONE : ackedAbove.clone();
    }

    /** How many offsets above the floor are acked, without copying them. */
    public int ackedAboveCount() {
        return ackedAbove.length;
    }

    /** True when {@code offset} is acked. */
    public boolean isAcked(long offset) {
        return offset < ackFloor || Arrays.binarySearch(ackedAbove, offset) >= 0;
    }

    /** The partition this state is for. */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CursorState other
                && partition == other.partition
                && ackFloor == other.ackFloor
                && tenant.equals(other.tenant)
                && subscription.equals(other.subscription)
                && topic.equals(other.topic)
                && Arrays.equals(ackedAbove, other.ackedAbove)
                && retries.equals(other.retries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenant, subscription, topic, partition, ackFloor, Arrays.hashCode(ackedAbove), retries);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("CursorState[").append(tenant).append('/').append(subscription)
                .append(' ').append(topic).append('-').append(partition)
                .append(" ackFloor=").append(ackFloor).append(" ackedAbove=[");
        for (int i = 0; i < Math.min(ackedAbove.length, TO_STRING_LIMIT); i++) {
            s.append(i == 0 ? "" : ", ").append(ackedAbove[i]);
        }
        if (ackedAbove.length > TO_STRING_LIMIT) {
            s.append(", ... ").append(ackedAbove.length - TO_STRING_LIMIT).append(" more");
        }
        return s.append("] retries=").append(retries.size()).append(']').toString();
    }
}
