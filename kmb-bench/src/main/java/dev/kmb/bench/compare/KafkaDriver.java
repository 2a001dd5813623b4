package dev.kmb.bench.compare;

import dev.kmb.bench.e2e.BusDriver;
import dev.kmb.bench.e2e.Payloads;
import dev.kmb.bench.e2e.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Raw kafka-clients against the in-process Kafka: a topic of {@code w.partitions()} partitions, idempotent
 * producers with acks=all (the broker acknowledges once in the log, without fsync: Kafka leaves that to the
 * page cache), and C consumers of one group committing offsets after each poll (the ack). Not thread-safe;
 * one run per instance.
 */
final class KafkaDriver implements BusDriver {

    private final InProcessKafka kafka;
    private final List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
    private volatile boolean running = true;
    private String topic;

    KafkaDriver(InProcessKafka kafka) {
        this.kafka = kafka;
    }

    @Override
    public void open(Workload w, String runId, Delivery delivery) throws Exception {
        String name = "bench-" + runId;
        try (Admin admin = Admin.create(kafka.adminConfig())) {
            admin.createTopics(List.of(new NewTopic(name, w.partitions(), (short) 1))).all().get();
            awaitLeaders(admin, name, w.partitions());
        }
        topic = name;
        for (int i = 0; i < w.consumers(); i++) {
            Properties p = new Properties();
            p.put("bootstrap.servers", kafka.bootstrapServers());
            p.put("group.id", "bench-" + runId);
            p.put("enable.auto.commit", "false");
            p.put("auto.offset.reset", "earliest");
            KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            c.subscribe(List.of(topic));
            consumers.add(c);
            threads.add(Thread.ofPlatform().name("kafka-consumer-" + i).start(() -> consume(c, delivery)));
        }
    }

    /**
     * Waits until every partition has a leader: producing into a topic whose leaders are not yet known makes
     * idempotent producers retry out of order (OUT_OF_ORDER_SEQUENCE_NUMBER, seen here under load).
     */
    private static void awaitLeaders(Admin admin, String topic, int partitions) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                if (d.partitions().size() == partitions && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + topic + " has no leader for every partition after 30 s");
            }
            Thread.sleep(50);
        }
    }

    private void consume(KafkaConsumer<byte[], byte[]> c, Delivery delivery) {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(100));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    delivery.received(Payloads.sentAt(r.value()));
                }
                if (!records.isEmpty()) {
                    c.commitAsync();
                }
            }
        } catch (WakeupException e) {
            // stopping
        } finally {
            c.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public Publisher publisher(int index) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        producers.add(producer);
        return new Publisher() {
            @Override
            public CompletionStage<?> publish(List<byte[]> payloads) {
                List<CompletableFuture<Void>> acks = new ArrayList<>(payloads.size());
                for (byte[] payload : payloads) {
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    producer.send(new ProducerRecord<>(topic, payload), (md, e) -> {
                        if (e == null) {
                            f.complete(null);
                        } else {
                            f.completeExceptionally(e);
                        }
                    });
                    acks.add(f);
                }
                return acks.size() == 1 ? acks.get(0) : CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
            }

            @Override
            public void close() {
                producer.close(Duration.ofSeconds(5));
            }
        };
    }

    @Override
    public void close() throws Exception {
        running = false;
        consumers.forEach(KafkaConsumer::wakeup);
        for (Thread t : threads) {
            t.join(5_000);
        }
        for (KafkaProducer<byte[], byte[]> p : producers) {
            p.close(Duration.ofSeconds(5));
        }
        if (topic != null) {
            try (Admin admin = Admin.create(kafka.adminConfig())) {
                admin.deleteTopics(Set.of(topic)).all().get();
            }
        }
    }
}
