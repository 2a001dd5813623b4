package dev.kmb.kafka;

import org.apache.kafka.common.test.KafkaClusterTestKit;

/** A real KRaft cluster in this JVM (KafkaClusterTestKit) for one test class; closed by the test that started it. */
final class InProcessKafka implements AutoCloseable {

    private final KafkaClusterTestKit cluster;

    private InProcessKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Starts {@code brokers} combined broker+controller nodes and waits until they are ready (kmb-testkit's set-up). */
    static InProcessKafka start(int brokers) {
        return new InProcessKafka(dev.kmb.testing.TestKafka.startCluster(brokers));
    }

    /** The bootstrap address, on the loopback address only. */
    String bootstrapServers() {
        return cluster.bootstrapServers().replace("localhost", "127.0.0.1");
    }

    KafkaLogConfig.Builder config() {
        return KafkaLogConfig.builder(bootstrapServers()).requestTimeout(java.time.Duration.ofSeconds(20));
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("closing the in-process Kafka failed", e);
        }
    }
}
