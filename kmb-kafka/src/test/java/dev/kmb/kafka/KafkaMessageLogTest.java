package dev.kmb.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.core.TopicName;
import dev.kmb.log.Await;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What is particular to the Kafka backend: the topic config mapping and its refusals, names Kafka cannot hold,
 * interoperation with plain Kafka clients (Kafka's partitioner, record format), and two nodes on one cluster
 * (specs and appends of one seen by the other). One in-process cluster for the class, two logs ("nodes") on it.
 */
@Timeout(120)
class KafkaMessageLogTest {

    private static final AtomicInteger TOPICS = new AtomicInteger();

    private static InProcessKafka kafka;
    private static KafkaMessageLog nodeA;
    private static KafkaMessageLog nodeB;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        kafka = InProcessKafka.start(1);
        nodeA = KafkaMessageLog.open(kafka.config().topicRefreshInterval(Duration.ofMillis(100)).build());
        nodeB = KafkaMessageLog.open(kafka.config().topicRefreshInterval(Duration.ofMillis(100)).build());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {admin, nodeB, nodeA, kafka}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static TopicName fresh(String what) {
        return TopicName.of("acme." + what + "-" + TOPICS.incrementAndGet());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> kafkaConfigs(TopicName topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "kmb." + topic.value());
        Config c = admin.describeConfigs(List.of(r)).all().get().get(r);
        return c.entries().stream().filter(e -> e.value() != null)
                .collect(Collectors.toMap(e -> e.name(), e -> e.value()));
    }

    @Test
    void specMapsOntoKafkaTopicConfigs() throws Exception {
        TopicName topic = fresh("mapped");
        nodeA.createTopic(topic, new TopicSpec(2, Durability.PERSISTENT, new Retention(3_600_000, Retention.UNLIMITED, 1 << 20),
                Compression.ZSTD));
        assertThat(kafkaConfigs(topic)).containsEntry("retention.ms", "3600000").containsEntry("retention.bytes", "1048576")
                .containsEntry("compression.type", "zstd").containsEntry("min.insync.replicas", "1"); // min(2, rf 1)

        nodeA.updateTopic(topic, new TopicSpec(4, Durability.DURABLE, Retention.FOREVER, Compression.GZIP));
        assertThat(kafkaConfigs(topic)).containsEntry("retention.ms", "-1").containsEntry("retention.bytes", "-1")
                .containsEntry("compression.type", "gzip").containsEntry("min.insync.replicas", "1");
        assertThat(admin.describeTopics(List.of("kmb." + topic.value())).allTopicNames().get()
                .get("kmb." + topic.value()).partitions()).hasSize(4);
    }

    @Test
    void whatKafkaCannotDoIsRefusedNamingTheAlternatives() {
        TopicName topic = fresh("refused");
        TopicSpec counted = TopicSpec.defaults().withRetention(new Retention(Retention.UNLIMITED, 1000, Retention.UNLIMITED));
        assertThatThrownBy(() -> nodeA.createTopic(topic, counted)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_messages").hasMessageContaining("max_age").hasMessageContaining("max_bytes");
        assertThatThrownBy(() -> nodeA.createTopic(topic, TopicSpec.defaults().withCompression(Compression.BROTLI)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gzip").hasMessageContaining("zstd");
        assertThat(nodeA.describeTopic(topic)).isEmpty();

        nodeA.createTopic(topic, TopicSpec.defaults());
        assertThatThrownBy(() -> nodeA.updateTopic(topic, counted)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_messages");
        assertThatThrownBy(() -> nodeA.updateTopic(topic, TopicSpec.defaults().withDurability(Durability.EPHEMERAL)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ephemeral");
        assertThat(nodeA.describeTopic(topic)).hasValue(TopicSpec.defaults());
    }

    @Test
    void namesKafkaCannotHoldAreRefusedClearly() {
        TopicName tooLong = TopicName.of("acme." + "x".repeat(241)); // 246 characters, 250 with the prefix
        assertThatThrownBy(() -> nodeA.createTopic(tooLong, TopicSpec.defaults())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("249");
        assertThat(nodeA.describeTopic(tooLong)).isEmpty();
        assertThat(nodeA.deleteTopic(tooLong)).isFalse();
        assertThat(nodeA.append(new TopicPartition(tooLong, 0), List.of(LogRecord.of(utf8("x")))).join())
                .isInstanceOfSatisfying(AppendResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(AppendResult.Reason.UNKNOWN_TOPIC));
        assertThatThrownBy(() -> nodeA.read(new TopicPartition(tooLong, 0), 0, 1, 100))
                .isInstanceOf(dev.kmb.log.spi.UnknownTopicException.class);

        TopicName underscore = TopicName.of("acme.collide_" + TOPICS.incrementAndGet() + "_x");
        TopicName dotted = TopicName.of(underscore.value().replace('_', '.').replace("acme.collide.", "acme.collide_"));
        nodeA.createTopic(underscore, TopicSpec.defaults());
        assertThatThrownBy(() -> nodeA.createTopic(dotted, TopicSpec.defaults())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("collides");
    }

    @Test
    void aKeyedRecordLandsWherePartitionForSaysAsKafkasPartitionerPutsIt() throws Exception {
        TopicName topic = fresh("keyed");
        nodeA.createTopic(topic, TopicSpec.defaults().withPartitions(6));
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 60; i++) {
                byte[] key = utf8("conversation-" + i);
                RecordMetadata m = raw.send(new ProducerRecord<>("kmb." + topic.value(), key, utf8("v"))).get();
                assertThat(nodeA.partitionFor(topic, LogRecord.of(key, utf8("v")))).as("key %d", i).isEqualTo(m.partition());
            }
        }
    }

    @Test
    void plainKafkaConsumersReadWhatTheLogAppended() {
        TopicName topic = fresh("interop");
        TopicPartition tp = new TopicPartition(topic, 0);
        nodeA.createTopic(topic, TopicSpec.defaults());
        LogRecord record = LogRecord.of(Optional.of(utf8("k")), utf8("value"), List.of(new Header("trace", utf8("t1"))), 1_700_000_000_123L);
        AppendResult.Appended a = (AppendResult.Appended) nodeA.append(tp, List.of(record)).join();
        try (KafkaConsumer<byte[], byte[]> raw = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            org.apache.kafka.common.TopicPartition ktp = new org.apache.kafka.common.TopicPartition("kmb." + topic.value(), 0);
            raw.assign(List.of(ktp));
            raw.seek(ktp, a.baseOffset());
            java.util.concurrent.atomic.AtomicReference<ConsumerRecord<byte[], byte[]>> got = new java.util.concurrent.atomic.AtomicReference<>();
            Await.until("a plain consumer reads the record", Duration.ofSeconds(20), () -> {
                raw.poll(Duration.ofMillis(100)).forEach(got::set);
                return got.get() != null;
            });
            assertThat(got.get().key()).isEqualTo(utf8("k"));
            assertThat(got.get().value()).isEqualTo(utf8("value"));
            assertThat(got.get().timestamp()).isEqualTo(1_700_000_000_123L);
            assertThat(got.get().headers().lastHeader("trace").value()).isEqualTo(utf8("t1"));
        }
    }

    @Test
    void anotherNodeSeesTheSpecTheRecordsAndWakesItsListeners() {
        TopicName topic = fresh("shared");
        TopicPartition tp = new TopicPartition(topic, 1);
        ConcurrentHashMap<TopicPartition, Long> heardByB = new ConcurrentHashMap<>();
        nodeB.addAppendListener((p, end) -> heardByB.merge(p, end, Math::max));

        // durable and persistent differ on Kafka only in min.insync.replicas, which is 1 for both at rf 1:
        // node B can only tell them apart through the spec topic
        TopicSpec spec = new TopicSpec(3, Durability.DURABLE, Retention.maxAge(Duration.ofDays(2)), Compression.GZIP);
        nodeA.createTopic(topic, spec);
        assertThat(nodeB.describeTopic(topic)).hasValue(spec);
        Await.until("node B learns of the new topic", Duration.ofSeconds(20), () -> nodeB.topics().containsKey(topic));

        AppendResult.Appended a = (AppendResult.Appended) nodeA.append(tp,
                List.of(LogRecord.of(utf8("k1"), utf8("one")), LogRecord.of(utf8("k2"), utf8("two")))).join();
        assertThat(a.baseOffset()).isZero();
        Await.until("node B's listener hears of node A's append", Duration.ofSeconds(20), () -> heardByB.getOrDefault(tp, 0L) >= 2);
        assertThat(nodeB.endOffset(tp)).isEqualTo(2);
        ReadResult.Records r = (ReadResult.Records) nodeB.read(tp, 0, 10, 1 << 20);
        assertThat(r.entries()).extracting(e -> new String(e.value(), StandardCharsets.UTF_8)).containsExactly("one", "two");
        assertThat(r.entries()).extracting(LogEntry::timestamp).containsOnly(a.timestamp());

        nodeA.updateTopic(topic, spec.withPartitions(4).withDurability(Durability.PERSISTENT));
        assertThat(nodeB.describeTopic(topic)).hasValue(spec.withPartitions(4).withDurability(Durability.PERSISTENT));
        AppendResult grown = nodeB.append(new TopicPartition(topic, 3), List.of(LogRecord.of(utf8("new partition")))).join();
        assertThat(grown).isInstanceOf(AppendResult.Appended.class);

        assertThat(nodeB.deleteTopic(topic)).isTrue();
        assertThat(nodeA.describeTopic(topic)).isEmpty();
    }

    private static final AtomicInteger PRODUCER_IDS = new AtomicInteger((int) (System.nanoTime() & 0xfffff) + 1);

    private static List<String> values(ReadResult r) {
        return ((ReadResult.Records) r).entries().stream().map(e -> new String(e.value(), StandardCharsets.UTF_8)).toList();
    }

    private static org.apache.kafka.clients.admin.TransactionState kafkaState(String transactionalId) throws Exception {
        return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get().state();
    }

    @Test
    void aTransactionIsInvisibleOnEveryNodeUntilItsCommitAndHoldsTheEndOffsetAtItsFirstRecord() throws Exception {
        TopicName topic = fresh("txn");
        TopicPartition tp = new TopicPartition(topic, 0);
        nodeA.createTopic(topic, TopicSpec.defaults());
        Await.until("node B learns of the new topic", Duration.ofSeconds(20), () -> nodeB.topics().containsKey(topic));
        long pid = PRODUCER_IDS.incrementAndGet();

        AppendResult.Appended in = (AppendResult.Appended) nodeA.appendTransactional(tp,
                List.of(LogRecord.of(utf8("k"), utf8("t1")), LogRecord.of(utf8("t2"))), pid).join();
        assertThat(in.baseOffset()).as("the records' real offsets").isZero();
        assertThat(in.count()).isEqualTo(2);
        // node B knows nothing of node A's transaction: its own append's acknowledgement says the end is 3
        AppendResult.Appended plain = (AppendResult.Appended) nodeB.append(tp, List.of(LogRecord.of(utf8("p")))).join();
        assertThat(plain.baseOffset()).isEqualTo(2);
        for (KafkaMessageLog node : List.of(nodeA, nodeB)) {
            long started = System.nanoTime();
            ReadResult r = node.read(tp, 0, 10, 1 << 20);
            assertThat(values(r)).as("read_committed: nothing at or past the open transaction").isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("an answer, not a read timeout").isLessThan(Duration.ofSeconds(5));
            assertThat(node.endOffset(tp)).as("the last stable offset").isZero();
        }
        assertThat(kafkaState(KafkaLogConfig.DEFAULT_TOPIC_PREFIX + "kmb-txn-node-" + pid)).isEqualTo(org.apache.kafka.clients.admin.TransactionState.ONGOING);

        assertThat(nodeA.writeTxnMarker(tp, pid, dev.kmb.log.spi.TxnMarker.COMMIT).join()).isInstanceOf(AppendResult.Appended.class);
        assertThat(nodeA.writeTxnMarker(tp, pid, dev.kmb.log.spi.TxnMarker.COMMIT).join()).as("a repeat is harmless")
                .isInstanceOf(AppendResult.Appended.class);
        assertThat(kafkaState(KafkaLogConfig.DEFAULT_TOPIC_PREFIX + "kmb-txn-node-" + pid)).isEqualTo(org.apache.kafka.clients.admin.TransactionState.COMPLETE_COMMIT);
        assertThat(nodeA.endOffset(tp)).as("past the marker, at once on the committing node").isEqualTo(4);
        assertThat(values(nodeA.read(tp, 0, 10, 1 << 20))).containsExactly("t1", "t2", "p");
        Await.until("node B's end offset passes the marker", Duration.ofSeconds(20), () -> nodeB.endOffset(tp) == 4);
        assertThat(values(nodeB.read(tp, 0, 10, 1 << 20))).containsExactly("t1", "t2", "p");
    }

    @Test
    void anAbortedTransactionNeverShowsAndARestartFencesOneLeftOpenByACrashedNode() throws Exception {
        TopicName topic = fresh("txn-abort");
        TopicPartition tp = new TopicPartition(topic, 0);
        nodeA.createTopic(topic, TopicSpec.defaults());
        long aborted = PRODUCER_IDS.incrementAndGet();
        nodeA.appendTransactional(tp, List.of(LogRecord.of(utf8("gone"))), aborted).join();
        nodeA.writeTxnMarker(tp, aborted, dev.kmb.log.spi.TxnMarker.ABORT).join();
        nodeA.append(tp, List.of(LogRecord.of(utf8("after")))).join();
        ReadResult.Records r = (ReadResult.Records) nodeA.read(tp, 0, 10, 1 << 20);
        assertThat(values(r)).containsExactly("after");

        // a node that dies with a transaction open: its producer lingers, idle, as a crashed process's would
        long open = PRODUCER_IDS.incrementAndGet();
        try (KafkaMessageLog crashed = KafkaMessageLog.open(kafka.config().nodeId("n-crash").build());
             KafkaMessageLog restarted = KafkaMessageLog.open(kafka.config().nodeId("n-crash").build())) {
            crashed.appendTransactional(tp, List.of(LogRecord.of(utf8("open"))), open).join();
            assertThat(kafkaState(KafkaLogConfig.DEFAULT_TOPIC_PREFIX + "kmb-txn-n-crash-" + open)).isEqualTo(org.apache.kafka.clients.admin.TransactionState.ONGOING);
            assertThat(restarted.recoverTransaction(open, Optional.empty())).contains(dev.kmb.log.spi.TxnMarker.ABORT);
            assertThat(restarted.recoverTransaction(open, Optional.empty())).as("again: still aborted")
                    .contains(dev.kmb.log.spi.TxnMarker.ABORT);
            assertThat(crashed.writeTxnMarker(tp, open, dev.kmb.log.spi.TxnMarker.COMMIT)).as("the old producer is fenced")
                    .failsWithin(Duration.ofSeconds(20));
            assertThat(restarted.recoverTransaction(PRODUCER_IDS.incrementAndGet(), Optional.of(dev.kmb.log.spi.TxnMarker.COMMIT)))
                    .as("nothing of it reached Kafka: the decision stands").contains(dev.kmb.log.spi.TxnMarker.COMMIT);
        }
        nodeA.append(tp, List.of(LogRecord.of(utf8("last")))).join();
        Await.until("the end passes the fenced transaction", Duration.ofSeconds(20), () -> nodeA.endOffset(tp) >= 5);
        assertThat(values(nodeA.read(tp, r.nextOffset(), 10, 1 << 20))).containsExactly("last");
    }

    @Test
    void aPoolOfOneReaderServesInterleavedAndConcurrentReadersCorrectly() throws Exception {
        TopicName topic = fresh("pooled");
        nodeA.createTopic(topic, TopicSpec.defaults().withPartitions(3));
        for (int p = 0; p < 3; p++) {
            for (int i = 0; i < 40; i += 4) {
                int partition = p;
                List<LogRecord> batch = java.util.stream.IntStream.range(i, i + 4)
                        .mapToObj(n -> LogRecord.of(utf8(partition + ":" + n))).toList();
                nodeA.append(new TopicPartition(topic, p), batch).join();
            }
        }
        try (KafkaMessageLog single = KafkaMessageLog.open(kafka.config().maxReaders(1).build())) {
            // interleaved: every read takes the one consumer to another partition and offset
            long[] next = new long[3];
            List<List<String>> seen = List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>(), new java.util.ArrayList<>());
            while (next[0] < 40 || next[1] < 40 || next[2] < 40) {
                for (int p = 0; p < 3; p++) {
                    ReadResult.Records r = (ReadResult.Records) single.read(new TopicPartition(topic, p), next[p], 7, 1 << 20);
                    for (LogEntry e : r.entries()) {
                        seen.get(p).add(new String(e.value(), StandardCharsets.UTF_8));
                    }
                    next[p] = r.nextOffset();
                }
            }
            for (int p = 0; p < 3; p++) {
                int partition = p;
                assertThat(seen.get(p)).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 40)
                        .mapToObj(n -> partition + ":" + n).toList());
            }
            // concurrent: three threads wait their turn for the one consumer
            List<java.util.concurrent.Future<List<String>>> futures = new java.util.ArrayList<>();
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(3)) {
                for (int p = 0; p < 3; p++) {
                    TopicPartition tp = new TopicPartition(topic, p);
                    futures.add(pool.submit(() -> {
                        List<String> values = new java.util.ArrayList<>();
                        long from = 0;
                        while (from < 40) {
                            ReadResult.Records r = (ReadResult.Records) single.read(tp, from, 3, 1 << 20);
                            r.entries().forEach(e -> values.add(new String(e.value(), StandardCharsets.UTF_8)));
                            from = r.nextOffset();
                        }
                        return values;
                    }));
                }
                for (int p = 0; p < 3; p++) {
                    int partition = p;
                    assertThat(futures.get(p).get()).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 40)
                            .mapToObj(n -> partition + ":" + n).toList());
                }
            }
        }
    }
}
