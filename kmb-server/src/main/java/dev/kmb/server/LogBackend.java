package dev.kmb.server;

import java.util.Objects;

/** Where the messages live: the embedded log in the data dir, or Apache Kafka (cluster mode). Immutable. */
public sealed interface LogBackend {

    /** The embedded segmented log under {@code <data_dir>/log}: one node. */
    record Embedded() implements LogBackend {
    }

    /**
     * Apache Kafka as the log.
     *
     * @param bootstrapServers {@code kmb.kafka.bootstrap_servers} / {@code --kafka-bootstrap}: {@code host:port[,…]}
     * @param topicPrefix      {@code kmb.kafka.topic_prefix}: prefix of KMB's Kafka topics (default {@code kmb.})
     * @param nodeId           {@code kmb.cluster.node_id} / {@code --node-id}: this node's id among the nodes sharing
     *                         the state store (default {@code <host name>-<port>})
     */
    record Kafka(String bootstrapServers, String topicPrefix, String nodeId) implements LogBackend {
        public Kafka {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(topicPrefix, "topicPrefix");
            Objects.requireNonNull(nodeId, "nodeId");
            if (bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("kmb.kafka.bootstrap_servers must name host:port (--kafka-bootstrap)");
            }
        }
    }

    /** The default: embedded. */
    LogBackend EMBEDDED = new Embedded();

    /** The name used in {@code kmb.broker.backend}. */
    default String wireName() {
        return this instanceof Kafka ? "kafka" : "embedded";
    }
}
