package dev.kmb.bench.compare;

import java.io.PrintStream;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A one-node KRaft Kafka (combined broker and controller) started inside the bench JVM, in a temporary
 * directory deleted on close; the kafka row (and KMB's Kafka mode, once it lands) runs against it. Thread-safe.
 */
final class InProcessKafka implements AutoCloseable {

    private final KafkaClusterTestKit cluster;

    private InProcessKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    static InProcessKafka start() throws Exception {
        KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true)
                .setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setDeleteOnClose(true)
                .build();
        PrintStream stdout = System.out;
        try {
            // the storage formatter prints to stdout, where kmb bench compare prints its table
            System.setOut(System.err);
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            return new InProcessKafka(kit);
        } catch (Exception e) {
            kit.close();
            throw e;
        } finally {
            System.setOut(stdout);
        }
    }

    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    Map<String, Object> adminConfig() {
        return Map.of("bootstrap.servers", bootstrapServers());
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
