package dev.kmb.kafka;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Harness, not a test: KafkaMessageLog append + read against raw kafka-clients producer + consumer on the same
 * in-process broker, same producer settings (idempotent, acks=all), one partition, 256-byte values, every send
 * or append issued before waiting for any (both bounded by the producer's buffer.memory only), order alternating.
 * Run: {@code ./mvnw -o -q -pl kmb-kafka -am test -Dtest=KafkaLogVsRawBench -Dkmb.test.excludedGroups=none}
 * and read the figures in kmb-kafka/target/surefire-reports/dev.kmb.kafka.KafkaLogVsRawBench-output.txt.
 */
@Tag("slow")
class KafkaLogVsRawBench {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaLogVsRawBench.class);
    private static final int RECORDS = Integer.getInteger("bench.records", 200_000);
    private static final int VALUE_BYTES = Integer.getInteger("bench.valueBytes", 256);
    private static final int BATCH = Integer.getInteger("bench.batch", 100);

    @Test
    void appendAndReadAgainstRawClients() throws Exception {
        try (InProcessKafka kafka = InProcessKafka.start(1);
             KafkaMessageLog log = KafkaMessageLog.open(kafka.config().build());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "acks", "all", "enable.idempotence", true), new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "isolation.level", "read_committed", "max.poll.records", 1000), new ByteArrayDeserializer(),
                     new ByteArrayDeserializer())) {
            byte[] value = new byte[VALUE_BYTES];
            Arrays.fill(value, (byte) 'x');
            int rounds = Integer.getInteger("bench.rounds", 6); // the first is warm-up
            double[][] figures = new double[4][rounds];
            for (int round = 0; round < rounds; round++) {
                TopicName rawTopic = TopicName.of("bench.raw-" + round);
                TopicName kmbTopic = TopicName.of("bench.kmb-" + round);
                log.createTopic(rawTopic, TopicSpec.defaults());
                log.createTopic(kmbTopic, TopicSpec.defaults());
                String rawKafkaTopic = "kmb." + rawTopic.value();
                boolean rawFirst = round % 2 == 0; // alternate, so warm-up and neighbours' load favour neither
                if (rawFirst) {
                    figures[0][round] = rate(() -> rawProduce(producer, rawKafkaTopic, value));
                }
                figures[1][round] = rate(() -> kmbAppend(log, new TopicPartition(kmbTopic, 0), value));
                if (!rawFirst) {
                    figures[0][round] = rate(() -> rawProduce(producer, rawKafkaTopic, value));
                    figures[2][round] = rate(() -> rawConsume(consumer, rawKafkaTopic));
                }
                figures[3][round] = rate(() -> kmbRead(log, new TopicPartition(kmbTopic, 0)));
                if (rawFirst) {
                    figures[2][round] = rate(() -> rawConsume(consumer, rawKafkaTopic));
                }
                LOG.info("round {}: raw produce {} msg/s, KMB append {} msg/s, raw consume {} msg/s, KMB read {} msg/s", round,
                        (long) figures[0][round], (long) figures[1][round], (long) figures[2][round], (long) figures[3][round]);
            }
            double rawP = median(figures[0]);
            double kmbA = median(figures[1]);
            double rawC = median(figures[2]);
            double kmbR = median(figures[3]);
            LOG.info("RESULT {} records of {} B, KMB appends of {} records: append {} vs raw produce {} msg/s ({} %); "
                            + "read {} vs raw consume {} msg/s ({} %)", RECORDS, VALUE_BYTES, BATCH,
                    (long) kmbA, (long) rawP, Math.round(100 * kmbA / rawP), (long) kmbR, (long) rawC, Math.round(100 * kmbR / rawC));

            // what a dispatcher's loop costs when it has caught up: endOffset + read at the end, no Kafka round trip
            TopicPartition caughtUp = new TopicPartition(TopicName.of("bench.kmb-0"), 0);
            long end = log.endOffset(caughtUp);
            int calls = 1_000_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                if (log.endOffset(caughtUp) != end || !(log.read(caughtUp, end, 100, 1 << 20) instanceof ReadResult.Records)) {
                    throw new IllegalStateException("moved");
                }
            }
            LOG.info("RESULT caught-up dispatcher loop (endOffset + read at the end): {} ns per call",
                    (System.nanoTime() - t0) / calls);
        }
    }

    interface Work {
        void run() throws Exception;
    }

    private static double rate(Work w) throws Exception {
        long t0 = System.nanoTime();
        w.run();
        return RECORDS / ((System.nanoTime() - t0) / 1e9);
    }

    private static double median(double[] rounds) {
        double[] measured = Arrays.copyOfRange(rounds, 1, rounds.length);
        Arrays.sort(measured);
        return measured[measured.length / 2];
    }

    private static void rawProduce(KafkaProducer<byte[], byte[]> producer, String topic, byte[] value) throws Exception {
        CountDownLatch done = new CountDownLatch(RECORDS);
        AtomicReference<Exception> failed = new AtomicReference<>();
        for (int i = 0; i < RECORDS; i++) {
            producer.send(new ProducerRecord<>(topic, 0, null, value), (m, e) -> {
                if (e != null) {
                    failed.set(e);
                }
                done.countDown();
            });
        }
        done.await();
        if (failed.get() != null) {
            throw failed.get();
        }
    }

    private static void kmbAppend(KafkaMessageLog log, TopicPartition tp, byte[] value) throws Exception {
        List<CompletableFuture<AppendResult>> all = new ArrayList<>(RECORDS / BATCH + 1);
        List<LogRecord> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            batch.add(LogRecord.of(value));
        }
        for (int sent = 0; sent < RECORDS; sent += BATCH) {
            all.add(log.append(tp, batch)); // unbounded, as the raw producer: both are bounded by buffer.memory only
        }
        for (CompletableFuture<AppendResult> f : all) {
            if (!(f.join() instanceof AppendResult.Appended)) {
                throw new IllegalStateException("append failed: " + f.join());
            }
        }
    }

    private static void rawConsume(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        consumer.seek(tp, 0);
        int got = 0;
        long bytes = 0;
        while (got < RECORDS) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                bytes += r.value().length + r.headers().toArray().length; // touch each record, as a real reader does
                got++;
            }
        }
        sink += bytes;
    }

    private static long sink; // keeps the JIT from dropping the work the readers do

    private static void kmbRead(KafkaMessageLog log, TopicPartition tp) {
        long next = 0;
        long bytes = 0;
        while (next < RECORDS) {
            ReadResult.Records r = (ReadResult.Records) log.read(tp, next, 1000, 1 << 20);
            for (LogEntry e : r.entries()) {
                bytes += e.value().length + e.headers().size();
            }
            next = r.nextOffset();
        }
        sink += bytes;
    }
}
