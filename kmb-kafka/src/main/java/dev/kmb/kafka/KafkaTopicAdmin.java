package dev.kmb.kafka;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.TopicExistsException;
import dev.kmb.log.spi.TopicSpec;
import dev.kmb.log.spi.UnknownTopicException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KMB topics as Kafka topics: create, grow, reconfigure, delete, describe, list, and a cache of partition counts
 * for the data path (refreshed from Kafka on a miss and periodically, so topics another node creates, grows or
 * deletes show up). Thread-safe; changes are serialised among themselves.
 */
final class KafkaTopicAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopicAdmin.class);
    private static final Set<String> CONFIG_KEYS = Set.of("retention.ms", "retention.bytes", "compression.type",
            "min.insync.replicas");

    private final Admin admin;
    private final KafkaTopicNames names;
    private final SpecTopic specs;
    private final int replicationFactor;
    private final Duration timeout;
    private final ReentrantLock changeLock = new ReentrantLock();
    private final Map<TopicName, Integer> partitionCounts = new ConcurrentHashMap<>();

    KafkaTopicAdmin(Admin admin, KafkaTopicNames names, SpecTopic specs, int replicationFactor, Duration timeout) {
        this.admin = admin;
        this.names = names;
        this.specs = specs;
        this.replicationFactor = replicationFactor;
        this.timeout = timeout;
    }

    /** The replication factor for new topics: the configured one, else min(3, brokers in the cluster). */
    static int replicationFactor(Admin admin, OptionalInt configured, Duration timeout) {
        if (configured.isPresent()) {
            return configured.getAsInt();
        }
        int brokers = KafkaCalls.await(admin.describeCluster().nodes(), timeout, "describe the Kafka cluster").size();
        return Math.max(1, Math.min(3, brokers));
    }

    java.util.Optional<TopicName> kmbName(String kafkaName) {
        return names.kmbName(kafkaName);
    }

    String kafkaName(TopicName topic) {
        return names.kafkaName(topic);
    }

    // ---------------------------------------------------------------- changes

    void create(TopicName topic, TopicSpec spec) {
        TopicConfigs.check(spec);
        String name = names.kafkaName(topic);
        changeLock.lock();
        try {
            NewTopic t = new NewTopic(name, spec.partitions(), (short) replicationFactor)
                    .configs(TopicConfigs.of(spec, replicationFactor));
            try {
                KafkaCalls.await(admin.createTopics(List.of(t)).all(), timeout, "create Kafka topic " + name);
            } catch (KafkaCalls.KafkaCallException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException) {
                    throw new TopicExistsException(topic);
                }
                if (e.getCause() instanceof InvalidTopicException) {
                    // e.g. "collides with existing topic": Kafka treats '.' and '_' alike in metric names
                    throw new IllegalArgumentException("topic '" + topic + "' cannot be created on Kafka as '" + name
                            + "': " + e.getCause().getMessage(), e.getCause());
                }
                throw e;
            }
            specs.put(name, spec.durability());
            awaitMetadata("topic " + name + " to appear", () -> describeOne(name).isPresent());
            partitionCounts.put(topic, spec.partitions());
            LOG.info("created Kafka topic {} ({} partitions, replication factor {})", name, spec.partitions(), replicationFactor);
        } finally {
            changeLock.unlock();
        }
    }

    void update(TopicName topic, TopicSpec spec) {
        TopicConfigs.check(spec);
        String name = names.kafkaName(topic);
        changeLock.lock();
        try {
            Described old = describeOne(name).orElseThrow(() -> new UnknownTopicException(topic));
            if (spec.partitions() < old.spec().partitions()) {
                throw new IllegalArgumentException("partitions can only grow: topic " + topic + " has "
                        + old.spec().partitions() + ", asked for " + spec.partitions());
            }
            if ((old.spec().durability() == Durability.EPHEMERAL) != (spec.durability() == Durability.EPHEMERAL)) {
                throw new IllegalArgumentException("durability cannot change between ephemeral and "
                        + old.spec().durability().wireName() + "/" + spec.durability().wireName() + "; create a new topic");
            }
            if (spec.partitions() > old.spec().partitions()) {
                KafkaCalls.await(admin.createPartitions(Map.of(name, NewPartitions.increaseTo(spec.partitions()))).all(),
                        timeout, "grow Kafka topic " + name);
            }
            List<AlterConfigOp> ops = new ArrayList<>();
            TopicConfigs.of(spec, old.replicationFactor())
                    .forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
            KafkaCalls.await(admin.incrementalAlterConfigs(Map.of(resource, ops)).all(), timeout, "reconfigure Kafka topic " + name);
            specs.put(name, spec.durability());
            awaitMetadata("the change of topic " + name + " to show", () -> describeOne(name).map(Described::spec)
                    .filter(now -> now.equals(spec)).isPresent());
            partitionCounts.put(topic, spec.partitions());
        } finally {
            changeLock.unlock();
        }
    }

    boolean delete(TopicName topic) {
        if (!names.fits(topic)) {
            return false; // a name Kafka cannot hold was never created there
        }
        String name = names.kafkaName(topic);
        changeLock.lock();
        try {
            try {
                KafkaCalls.await(admin.deleteTopics(List.of(name)).all(), timeout, "delete Kafka topic " + name);
            } catch (KafkaCalls.KafkaCallException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    partitionCounts.remove(topic);
                    return false;
                }
                throw e;
            }
            partitionCounts.remove(topic);
            specs.remove(name);
            awaitMetadata("topic " + name + " to go", () -> describeOne(name).isEmpty());
            partitionCounts.remove(topic);
            return true;
        } finally {
            changeLock.unlock();
        }
    }

    /**
     * Waits until the brokers' metadata shows a change the controller has committed: Kafka answers an admin call
     * before every broker has applied it, and this node must read its own changes.
     */
    private void awaitMetadata(String what, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new dev.kmb.log.spi.LogException("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L); // metadata propagates in milliseconds
        }
    }

    // ---------------------------------------------------------------- reads

    /** A described topic: its spec and its replication factor. */
    record Described(TopicSpec spec, int replicationFactor) {
    }

    Optional<TopicSpec> describe(TopicName topic) {
        if (!names.fits(topic)) {
            return Optional.empty(); // a name Kafka cannot hold was never created there
        }
        return describeOne(names.kafkaName(topic)).map(Described::spec);
    }

    private Optional<Described> describeOne(String name) {
        Map<String, Described> found = describeAll(List.of(name));
        return Optional.ofNullable(found.get(name));
    }

    /** Every KMB topic in Kafka with its spec. */
    Map<TopicName, TopicSpec> list() {
        Map<TopicName, String> ours = listNames();
        Map<String, Described> described = describeAll(ours.values());
        Map<TopicName, TopicSpec> out = new TreeMap<>();
        ours.forEach((topic, name) -> {
            Described d = described.get(name);
            if (d != null) {
                out.put(topic, d.spec());
            }
        });
        return out;
    }

    private Map<TopicName, String> listNames() {
        Set<String> all = KafkaCalls.await(admin.listTopics(new ListTopicsOptions().listInternal(false)).names(), timeout,
                "list Kafka topics");
        Map<TopicName, String> ours = new HashMap<>();
        for (String name : all) {
            if (!name.equals(specs.name())) {
                names.kmbName(name).ifPresent(t -> ours.put(t, name));
            }
        }
        return ours;
    }

    /** Descriptions of those Kafka topics that exist; also refreshes their partition counts. */
    private Map<String, Described> describeAll(Collection<String> kafkaNames) {
        if (kafkaNames.isEmpty()) {
            return Map.of();
        }
        Map<String, TopicDescription> topics = new HashMap<>();
        admin.describeTopics(kafkaNames).topicNameValues().forEach((name, future) -> {
            try {
                topics.put(name, KafkaCalls.await(future, timeout, "describe Kafka topic " + name));
            } catch (KafkaCalls.KafkaCallException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        });
        if (topics.isEmpty()) {
            return Map.of();
        }
        List<ConfigResource> resources = topics.keySet().stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
        Map<ConfigResource, Config> configs;
        try {
            configs = KafkaCalls.await(admin.describeConfigs(resources).all(), timeout, "describe Kafka topic configs");
        } catch (KafkaCalls.KafkaCallException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Map.of(); // deleted between the two calls
            }
            throw e;
        }
        specs.catchUp();
        Map<String, Described> out = new HashMap<>();
        topics.forEach((name, description) -> {
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
            Map<String, String> values = config == null ? Map.of() : config.entries().stream()
                    .filter(e -> CONFIG_KEYS.contains(e.name()) && e.value() != null)
                    .collect(Collectors.toMap(ConfigEntry::name, ConfigEntry::value));
            int partitions = description.partitions().size();
            int rf = description.partitions().isEmpty() ? replicationFactor : description.partitions().get(0).replicas().size();
            TopicSpec spec = TopicConfigs.toSpec(partitions, values, specs.durability(name).orElse(null));
            out.put(name, new Described(spec, rf));
            names.kmbName(name).ifPresent(t -> partitionCounts.put(t, partitions));
        });
        return out;
    }

    // ---------------------------------------------------------------- partition counts for the data path

    /** The partition count of a topic: cached, else looked up in Kafka; empty when the topic does not exist. */
    OptionalInt partitions(TopicName topic) {
        Integer n = partitionCounts.get(topic);
        if (n != null) {
            return OptionalInt.of(n);
        }
        return refreshOne(topic);
    }

    /** Looks a topic up in Kafka now (after a miss, or a partition beyond the cached count). */
    OptionalInt refreshOne(TopicName topic) {
        if (!names.fits(topic)) {
            return OptionalInt.empty(); // a name Kafka cannot hold was never created there
        }
        String name = names.kafkaName(topic);
        Map<String, TopicDescription> found = new HashMap<>();
        admin.describeTopics(List.of(name)).topicNameValues().forEach((n, f) -> {
            try {
                found.put(n, KafkaCalls.await(f, timeout, "describe Kafka topic " + n));
            } catch (KafkaCalls.KafkaCallException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        });
        TopicDescription d = found.get(name);
        if (d == null) {
            partitionCounts.remove(topic);
            return OptionalInt.empty();
        }
        partitionCounts.put(topic, d.partitions().size());
        return OptionalInt.of(d.partitions().size());
    }

    /** Re-reads every KMB topic's partition count (topics created, grown or deleted elsewhere) and the spec topic. */
    void refreshAll() {
        Map<TopicName, String> ours = listNames();
        Map<String, TopicDescription> found = new HashMap<>();
        if (!ours.isEmpty()) {
            admin.describeTopics(ours.values()).topicNameValues().forEach((n, f) -> {
                try {
                    found.put(n, KafkaCalls.await(f, timeout, "describe Kafka topic " + n));
                } catch (KafkaCalls.KafkaCallException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                }
            });
        }
        partitionCounts.keySet().removeIf(t -> !ours.containsKey(t));
        ours.forEach((topic, name) -> {
            TopicDescription d = found.get(name);
            if (d == null) {
                partitionCounts.remove(topic);
            } else {
                partitionCounts.put(topic, d.partitions().size());
            }
        });
        specs.catchUp();
    }

    /** The cached partition counts (what the tail watches). */
    Map<TopicName, Integer> knownPartitionCounts() {
        return partitionCounts;
    }
}
