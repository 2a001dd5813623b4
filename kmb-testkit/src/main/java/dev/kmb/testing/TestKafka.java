package dev.kmb.testing;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft Kafka in this JVM (KafkaClusterTestKit from Maven Central, no Docker), started on first use
 * and shared by every test of the JVM (a start costs seconds; topics are named per test instead), stopped when the JVM
 * exits. Consumer groups are tuned to notice joins, leaves and dead members in seconds. Thread-safe.
 */
public final class TestKafka {

    private static final Logger LOG = LoggerFactory.getLogger(TestKafka.class);
    private static KafkaClusterTestKit cluster;

    private TestKafka() {
    }

    /** The bootstrap address of the shared cluster (on 127.0.0.1), starting it on first use. */
    public static synchronized String bootstrapServers() {
        if (cluster == null) {
            cluster = start();
            KafkaClusterTestKit started = cluster;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (Exception e) {
                    LOG.debug("closing the test Kafka: {}", e.toString());
                }
            }, "kmb-test-kafka-stop"));
        }
        return cluster.bootstrapServers().replace("localhost", "127.0.0.1");
    }

    /**
     * Kafka's server code ends the process through {@code Exit.exit}/{@code Exit.halt} on a fault it deems fatal (a
     * failed log directory, say, which a broker closing in a shutdown hook can run into). In a test JVM that ends the
     * whole run, and surefire reports only a fork that exited non-zero after every test passed (seen once on CI). The
     * request is logged and refused with an exception in the Kafka thread that made it instead.
     */
    private static void keepTheJvmOnKafkaExits() {
        Exit.Procedure refuse = (code, message) -> {
            LOG.error("the in-process Kafka asked to end the JVM with status {}: {}", code, message);
            throw new IllegalStateException("the in-process Kafka asked to end the JVM with status " + code + ": " + message);
        };
        Exit.setExitProcedure(refuse);
        Exit.setHaltProcedure(refuse);
    }

    private static KafkaClusterTestKit start() {
        return startCluster(1);
    }

    /**
     * A cluster of its own with {@code brokers} combined broker+controller nodes, ready; the caller closes it. For tests
     * that need several brokers or a cluster they may stop; others share {@link #bootstrapServers()}.
     */
    public static KafkaClusterTestKit startCluster(int brokers) {
        keepTheJvmOnKafkaExits();
        String rf = String.valueOf(Math.min(3, brokers));
        try {
            KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(brokers)
                    .setNumControllerNodes(1)
                    .build())
                    .setConfigProp("offsets.topic.replication.factor", rf)
                    .setConfigProp("transaction.state.log.replication.factor", rf)
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("group.consumer.min.heartbeat.interval.ms", "200")
                    .setConfigProp("group.consumer.heartbeat.interval.ms", "200")
                    .setConfigProp("group.consumer.min.session.timeout.ms", "3000")
                    .setConfigProp("group.consumer.session.timeout.ms", "3000")
                    .build();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            return kit;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the in-process Kafka for tests: " + e.getMessage(), e);
        }
    }
}
