package dev.kmb.kafka;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A real KRaft cluster in this JVM (KafkaClusterTestKit) for one test class; closed by the test that started it. */
final class InProcessKafka implements AutoCloseable {

    private final KafkaClusterTestKit cluster;

    private InProcessKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Starts {@code brokers} combined broker+controller nodes and waits until they are ready. */
    static InProcessKafka start(int brokers) throws Exception {
        int rf = Math.min(3, brokers);
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(brokers)
                .setNumControllerNodes(1)
                .build())
                .setConfigProp("offsets.topic.replication.factor", String.valueOf(rf))
                .setConfigProp("transaction.state.log.replication.factor", String.valueOf(rf))
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                // consumer groups (KIP-848) that notice joins, leaves and dead members in seconds, not 45 s
                .setConfigProp("group.consumer.min.heartbeat.interval.ms", "200")
                .setConfigProp("group.consumer.heartbeat.interval.ms", "200")
                .setConfigProp("group.consumer.min.session.timeout.ms", "3000")
                .setConfigProp("group.consumer.session.timeout.ms", "3000")
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new InProcessKafka(cluster);
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
