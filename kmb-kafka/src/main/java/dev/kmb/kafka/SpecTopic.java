package dev.kmb.kafka;

import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * What Kafka's topic configs cannot hold of a KMB topic spec (its durability), kept in one compacted Kafka topic
 * so that every node sees it: key = the Kafka topic name, value = {@code "v1 <durability>"} in UTF-8, a tombstone
 * when the topic is deleted. Each node reads it whole on open and catches up before answering a describe and on
 * every topic refresh. Thread-safe; the consumer is used under a lock.
 */
final class SpecTopic implements AutoCloseable {

    private static final String VERSION = "v1 ";

    private final String name;
    private final Producer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Durability> durabilities = new ConcurrentHashMap<>();

    private SpecTopic(String name, Producer<byte[], byte[]> producer, KafkaConsumer<byte[], byte[]> consumer, Duration timeout) {
        this.name = name;
        this.producer = producer;
        this.consumer = consumer;
        this.partition = new TopicPartition(name, 0);
        this.timeout = timeout;
    }

    /** Creates the spec topic when missing, then reads it whole. */
    static SpecTopic open(String name, int replicationFactor, Admin admin, Producer<byte[], byte[]> producer,
                          KafkaConsumer<byte[], byte[]> consumer, Duration timeout) {
        try {
            NewTopic t = new NewTopic(name, 1, (short) replicationFactor)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                            TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(Math.min(2, replicationFactor))));
            admin.createTopics(List.of(t)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new LogException("cannot create the KMB spec topic " + name + ": " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogException("interrupted while creating the KMB spec topic " + name, e);
        } catch (TimeoutException e) {
            throw new LogException("timed out creating the KMB spec topic " + name, e);
        }
        SpecTopic spec = new SpecTopic(name, producer, consumer, timeout);
        consumer.assign(List.of(spec.partition));
        consumer.seekToBeginning(List.of(spec.partition));
        spec.catchUp();
        return spec;
    }

    String name() {
        return name;
    }

    /** The stored durability of a Kafka topic, if KMB created it. */
    Optional<Durability> durability(String kafkaTopic) {
        return Optional.ofNullable(durabilities.get(kafkaTopic));
    }

    /** Stores a topic's durability and waits for Kafka to acknowledge it. */
    void put(String kafkaTopic, Durability durability) {
        write(kafkaTopic, (VERSION + durability.wireName()).getBytes(StandardCharsets.UTF_8));
        durabilities.put(kafkaTopic, durability);
    }

    /** Forgets a deleted topic (a tombstone, removed by compaction). */
    void remove(String kafkaTopic) {
        write(kafkaTopic, null);
        durabilities.remove(kafkaTopic);
    }

    private void write(String kafkaTopic, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(name, 0, kafkaTopic.getBytes(StandardCharsets.UTF_8), value))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new LogException("cannot write the spec of " + kafkaTopic + " to " + name + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogException("interrupted while writing the spec of " + kafkaTopic, e);
        } catch (TimeoutException e) {
            throw new LogException("timed out writing the spec of " + kafkaTopic + " to " + name, e);
        }
    }

    /** Reads what other nodes wrote since the last catch-up, up to the current end of the spec topic. */
    void catchUp() {
        lock.lock();
        try {
            long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(partition, timeout) < end) {
                if (System.nanoTime() - deadline > 0) {
                    throw new LogException("timed out reading the KMB spec topic " + name);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    apply(r);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            return;
        }
        String topic = new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) {
            durabilities.remove(topic);
            return;
        }
        String v = new String(r.value(), StandardCharsets.UTF_8);
        if (!v.startsWith(VERSION)) {
            return; // a newer format: leave the topic to its Kafka configs
        }
        try {
            durabilities.put(topic, Durability.fromWireName(v.substring(VERSION.length())));
        } catch (IllegalArgumentException e) {
            // unknown durability from a newer node: leave the topic to its Kafka configs
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        } finally {
            lock.unlock();
        }
    }
}
