package dev.kmb.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Settings of a {@link KafkaMessageLog}; built with {@link #builder(String)}, which validates every value and
 * names the key and the bad value. Immutable and thread-safe.
 *
 * @param bootstrapServers     Kafka's {@code bootstrap.servers}
 * @param topicPrefix          prefix of every Kafka topic that holds a KMB topic (default {@value #DEFAULT_TOPIC_PREFIX})
 * @param specTopic            the compacted topic holding what Kafka's topic configs cannot (default {@value #DEFAULT_SPEC_TOPIC})
 * @param replicationFactor    replication factor of new topics; empty means min(3, brokers)
 * @param tailInterval         how often end offsets are polled to notice appends made by other nodes (default 10 ms)
 * @param topicRefreshInterval how often topics created, grown or deleted by other nodes are looked up (default 2 s)
 * @param maxReaders           pooled read consumers at most (default 16)
 * @param requestTimeout       deadline of one admin call, lookup or read (default 30 s)
 * @param clientProperties     extra properties for every Kafka client (security, client.rack, ...)
 * @param nodeId               this bus node's id ({@code kmb.cluster.node_id}); names its transactional producers, so
 *                             it must stay the same across restarts of a node (default {@value #DEFAULT_NODE_ID})
 * @param clock                clock for append timestamps
 */
public record KafkaLogConfig(String bootstrapServers, String topicPrefix, String specTopic, OptionalInt replicationFactor,
                             Duration tailInterval, Duration topicRefreshInterval, int maxReaders, Duration requestTimeout,
                             Map<String, String> clientProperties, String nodeId, Clock clock) {

    /** Default prefix of the Kafka topics that hold KMB topics. */
    public static final String DEFAULT_TOPIC_PREFIX = "kmb.";
    /** Default name of the compacted topic holding KMB topic specs. */
    public static final String DEFAULT_SPEC_TOPIC = "__kmb_topic_specs";
    /** Default interval of the end-offset tail. */
    public static final Duration DEFAULT_TAIL_INTERVAL = Duration.ofMillis(10);
    /** Default interval of the topic metadata refresh. */
    public static final Duration DEFAULT_TOPIC_REFRESH_INTERVAL = Duration.ofSeconds(2);
    /** Default number of pooled read consumers. */
    public static final int DEFAULT_MAX_READERS = 16;
    /** Default deadline of a Kafka request. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Default node id, for a bus of one node. */
    public static final String DEFAULT_NODE_ID = "node";

    public KafkaLogConfig {
        clientProperties = Map.copyOf(clientProperties);
        Objects.requireNonNull(nodeId, "nodeId");
    }

    /** A builder for a cluster reached through {@code bootstrapServers}. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /** Validating builder; not thread-safe. */
    public static final class Builder {
        private final String bootstrapServers;
        private String topicPrefix = DEFAULT_TOPIC_PREFIX;
        private String specTopic = DEFAULT_SPEC_TOPIC;
        private OptionalInt replicationFactor = OptionalInt.empty();
        private Duration tailInterval = DEFAULT_TAIL_INTERVAL;
        private Duration topicRefreshInterval = DEFAULT_TOPIC_REFRESH_INTERVAL;
        private int maxReaders = DEFAULT_MAX_READERS;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private final Map<String, String> clientProperties = new LinkedHashMap<>();
        private String nodeId = DEFAULT_NODE_ID;
        private Clock clock = Clock.systemUTC();

        private Builder(String bootstrapServers) {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("kafka bootstrap_servers must not be empty");
            }
            this.bootstrapServers = bootstrapServers;
        }

        public Builder topicPrefix(String prefix) {
            Objects.requireNonNull(prefix, "topic_prefix");
            if (!prefix.isEmpty() && !KafkaTopicNames.isLegal(prefix)) {
                throw new IllegalArgumentException("kafka topic_prefix may hold only A-Z a-z 0-9 . _ -; was '" + prefix + "'");
            }
            if (prefix.length() > KafkaTopicNames.MAX_LENGTH - 1) {
                throw new IllegalArgumentException("kafka topic_prefix is too long: " + prefix.length() + " characters");
            }
            this.topicPrefix = prefix;
            return this;
        }

        public Builder specTopic(String name) {
            if (name == null || !KafkaTopicNames.isLegal(name)) {
                throw new IllegalArgumentException("kafka spec_topic must be a legal Kafka topic name; was '" + name + "'");
            }
            this.specTopic = name;
            return this;
        }

        public Builder replicationFactor(int rf) {
            if (rf < 1 || rf > Short.MAX_VALUE) {
                throw new IllegalArgumentException("kafka replication_factor must be >= 1, was " + rf);
            }
            this.replicationFactor = OptionalInt.of(rf);
            return this;
        }

        public Builder tailInterval(Duration interval) {
            this.tailInterval = positive("tail_interval", interval);
            return this;
        }

        public Builder topicRefreshInterval(Duration interval) {
            this.topicRefreshInterval = positive("topic_refresh_interval", interval);
            return this;
        }

        public Builder maxReaders(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("kafka max_readers must be >= 1, was " + n);
            }
            this.maxReaders = n;
            return this;
        }

        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("request_timeout", timeout);
            return this;
        }

        /** An extra Kafka client property (e.g. {@code security.protocol}), given to the producer, consumers and admin. */
        public Builder clientProperty(String key, String value) {
            clientProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** This node's id: part of every {@code transactional.id} it uses, so stable across its restarts. */
        public Builder nodeId(String id) {
            if (id == null || id.isBlank() || id.length() > 200) {
                throw new IllegalArgumentException("kafka node_id must be 1..200 characters; was '" + id + "'");
            }
            this.nodeId = id;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public KafkaLogConfig build() {
            if (!topicPrefix.isEmpty() && specTopic.startsWith(topicPrefix)) {
                throw new IllegalArgumentException("kafka spec_topic '" + specTopic + "' must not start with topic_prefix '"
                        + topicPrefix + "'");
            }
            return new KafkaLogConfig(bootstrapServers, topicPrefix, specTopic, replicationFactor, tailInterval,
                    topicRefreshInterval, maxReaders, requestTimeout, clientProperties, nodeId, clock);
        }

        private static Duration positive(String key, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("kafka " + key + " must be positive, was " + d);
            }
            return d;
        }
    }
}
