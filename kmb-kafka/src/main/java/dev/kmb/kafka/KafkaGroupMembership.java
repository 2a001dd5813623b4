package dev.kmb.kafka;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.GroupListener;
import dev.kmb.log.spi.GroupMembership;
import dev.kmb.log.spi.TopicPartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member of a Kafka consumer group, used for what Kafka's group protocol does well (spreading partitions over the
 * members on every node, noticing a member that died) and not for reading: every partition it gets is paused at once,
 * and the records are read through the log's own readers from the caller's cursors. The group's committed offsets
 * follow what the caller {@linkplain #commit commits}. One thread per membership owns the consumer (Kafka's consumer is
 * not thread-safe) and polls it, which keeps the membership alive and runs the listener's callbacks.
 */
final class KafkaGroupMembership implements GroupMembership, ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaGroupMembership.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final String groupId;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final GroupListener listener;
    private final Function<TopicName, String> kafkaName;
    private final Function<String, java.util.Optional<TopicName>> kmbName;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    KafkaGroupMembership(String groupId, KafkaConsumer<byte[], byte[]> consumer, GroupListener listener,
                         Function<TopicName, String> kafkaName, Function<String, java.util.Optional<TopicName>> kmbName) {
        this.groupId = groupId;
        this.consumer = consumer;
        this.listener = listener;
        this.kafkaName = kafkaName;
        this.kmbName = kmbName;
        this.thread = Thread.ofPlatform().daemon().name("kmb-kafka-group-" + groupId).start(this::run);
    }

    @Override
    public String groupId() {
        return groupId;
    }

    @Override
    public void subscribe(Set<TopicName> topics) {
        List<String> names = new ArrayList<>();
        topics.forEach(t -> names.add(kafkaName.apply(t)));
        commands.add(() -> {
            if (names.isEmpty()) {
                consumer.unsubscribe(); // revokes what is held
            } else {
                consumer.subscribe(names, this);
            }
        });
        consumer.wakeup();
    }

    @Override
    public void commit(Map<TopicPartition, Long> positions) {
        Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        positions.forEach((tp, offset) -> offsets.put(
                new org.apache.kafka.common.TopicPartition(kafkaName.apply(tp.topic()), tp.partition()),
                new OffsetAndMetadata(offset)));
        commands.add(() -> {
            offsets.keySet().retainAll(consumer.assignment()); // only what this member still holds
            if (!offsets.isEmpty()) {
                consumer.commitAsync(offsets, (done, e) -> {
                    if (e != null) {
                        LOG.debug("group {}: commit failed (the state store keeps the position): {}", groupId, e.toString());
                    }
                });
            }
        });
    }

    private void run() {
        try {
            while (!closed) {
                Runnable cmd;
                while ((cmd = commands.poll()) != null) {
                    cmd.run();
                }
                if (consumer.subscription().isEmpty()) {
                    sleep();
                    continue;
                }
                try {
                    consumer.poll(POLL); // every held partition is paused: this only keeps the membership and rebalances
                } catch (WakeupException e) {
                    // a command or close is waiting
                }
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("group {}: membership failed; its partitions are revoked: {}", groupId, e.toString());
            }
        } finally {
            try {
                consumer.close(); // leaves the group: onPartitionsRevoked runs first, on this thread
            } catch (RuntimeException e) {
                LOG.debug("group {}: close failed: {}", groupId, e.toString());
            }
        }
    }

    private void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        consumer.pause(partitions);
        List<TopicPartition> ours = map(partitions);
        if (!ours.isEmpty()) {
            listener.assigned(ours);
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        List<TopicPartition> ours = map(partitions);
        if (!ours.isEmpty()) {
            listener.revoked(ours);
        }
    }

    @Override
    public void onPartitionsLost(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        onPartitionsRevoked(partitions); // the group moved on without us: stop reading them all the same
    }

    private List<TopicPartition> map(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        List<TopicPartition> out = new ArrayList<>(partitions.size());
        for (org.apache.kafka.common.TopicPartition p : partitions) {
            kmbName.apply(p.topic()).ifPresent(t -> out.add(new TopicPartition(t, p.partition())));
        }
        return out;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        consumer.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(); // the revocation has been written when this returns
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
