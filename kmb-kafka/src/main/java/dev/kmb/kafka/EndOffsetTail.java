package dev.kmb.kafka;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendListener;
import dev.kmb.log.spi.TopicPartition;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end offsets this node knows, and the append listeners they wake. Our own appends move an end as soon as
 * Kafka acknowledges them; appends by other nodes are noticed by {@link #poll()}, which the log runs every
 * {@code tail_interval} (one ListOffsets request per broker for every KMB partition), so they wake listeners at
 * most one interval plus a round trip late. Thread-safe; {@link #poll()} runs on one thread at a time.
 */
final class EndOffsetTail {

    private static final Logger LOG = LoggerFactory.getLogger(EndOffsetTail.class);

    private final Admin admin;
    private final Supplier<Map<TopicName, Integer>> partitionCounts;
    private final Function<TopicName, String> kafkaNames;
    private final Duration timeout;
    private final Map<TopicPartition, AtomicLong> ends = new ConcurrentHashMap<>(); // -1 until first seen
    private final List<AppendListener> listeners = new CopyOnWriteArrayList<>();

    EndOffsetTail(Admin admin, Supplier<Map<TopicName, Integer>> partitionCounts,
                  Function<TopicName, String> kafkaNames, Duration timeout) {
        this.admin = admin;
        this.partitionCounts = partitionCounts;
        this.kafkaNames = kafkaNames;
        this.timeout = timeout;
    }

    void addListener(AppendListener listener) {
        listeners.add(listener);
    }

    /** The last end offset seen for a partition, if any. */
    OptionalLong end(TopicPartition tp) {
        AtomicLong e = ends.get(tp);
        long v = e == null ? -1 : e.get();
        return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** Records an end offset (an acknowledged append or a fresh lookup); wakes the listeners when it moved on. */
    void advance(TopicPartition tp, long end) {
        // on the producer's I/O thread for every append: no lock, no allocation once the partition is known
        AtomicLong e = ends.get(tp);
        if (e == null) {
            e = ends.computeIfAbsent(tp, k -> new AtomicLong(-1));
        }
        long before;
        do {
            before = e.get();
            if (end <= before) {
                return;
            }
        } while (!e.compareAndSet(before, end));
        if (before >= 0 || end > 0) {
            fire(tp, end);
        }
    }

    /**
     * Sets an end offset Kafka just reported (its last stable offset), even below the one known: an acknowledged append
     * moves the end to its high watermark, past the last stable offset when a transaction is open on the partition.
     */
    void correct(TopicPartition tp, long end) {
        AtomicLong e = ends.computeIfAbsent(tp, k -> new AtomicLong(-1));
        long before = e.getAndSet(end);
        if (end > before && (before >= 0 || end > 0)) {
            fire(tp, end);
        }
    }

    /** Forgets a deleted topic's partitions. */
    void forget(TopicName topic) {
        ends.keySet().removeIf(tp -> tp.topic().equals(topic));
    }

    /** Looks up the end offsets of every known KMB partition once and wakes listeners for those that moved. */
    void poll() {
        Map<org.apache.kafka.common.TopicPartition, TopicPartition> watched = new HashMap<>();
        partitionCounts.get().forEach((topic, count) -> {
            String name = kafkaNames.apply(topic);
            for (int p = 0; p < count; p++) {
                watched.put(new org.apache.kafka.common.TopicPartition(name, p), new TopicPartition(topic, p));
            }
        });
        if (watched.isEmpty()) {
            return;
        }
        Map<org.apache.kafka.common.TopicPartition, OffsetSpec> request = new HashMap<>();
        watched.keySet().forEach(ktp -> request.put(ktp, OffsetSpec.latest()));
        ListOffsetsResult result = admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED));
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<org.apache.kafka.common.TopicPartition, TopicPartition> w : watched.entrySet()) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                advance(w.getValue(), result.partitionResult(w.getKey()).get(left, TimeUnit.NANOSECONDS).offset());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // a topic deleted meanwhile (the next topic refresh drops it) or a slow broker: try again next round
                LOG.debug("end offset of {} not known this round: {}", w.getValue(), e.toString());
            }
        }
    }

    private void fire(TopicPartition tp, long end) {
        for (AppendListener l : listeners) {
            try {
                l.onAppend(tp, end);
            } catch (RuntimeException e) {
                LOG.warn("append listener failed for {}", tp, e);
            }
        }
    }

}
