package dev.kmb.broker;

import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topic registry: create, list, get, patch and delete a tenant's topics. The state store holds the
 * record, the log holds the messages; the store is written first, and {@link #reconcile()} at start-up
 * repairs what a crash between the two left behind. Thread-safe; admin changes are serialised.
 */
public final class TopicService {

    private static final Logger LOG = LoggerFactory.getLogger(TopicService.class);

    /** Told about topic changes (the subscription engine follows topics that match its patterns). */
    interface Listener {
        void topicChanged(TenantId tenant, TopicName topic, int partitions);

        void topicDeleted(TenantId tenant, TopicName topic);
    }

    private final StateStore store;
    private final MessageLog log;
    private final BrokerConfig config;
    private final ReentrantLock adminLock = new ReentrantLock();
    private final ConcurrentHashMap<TenantTopicKey, TopicRecord> cache = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final boolean cluster; // other nodes change topics too

    private record TenantTopicKey(TenantId tenant, TopicName topic) {
    }

    TopicService(StateStore store, MessageLog log, BrokerConfig config, boolean cluster) {
        this.cluster = cluster;
        this.store = store;
        this.log = log;
        this.config = config;
    }

    void addListener(Listener l) {
        listeners.add(l);
    }

    /** Makes the log agree with the store after a crash: creates missing log topics, drops orphans. */
    void reconcile() {
        for (TopicRecord t : store.allTopics()) {
            TopicName logName = LogNames.logTopic(t.tenant(), t.name());
            if (log.describeTopic(logName).isEmpty()) {
                LOG.warn("topic {} of tenant {} had no log; creating it", t.name(), t.tenant().value());
                log.createTopic(logName, t.spec());
            }
            cache.put(new TenantTopicKey(t.tenant(), t.name()), t);
        }
        for (TopicName logName : log.topics().keySet()) {
            Optional<LogNames.TenantTopic> tt = LogNames.parse(logName);
            if (tt.isEmpty() || !cache.containsKey(new TenantTopicKey(tt.get().tenant(), tt.get().topic()))) {
                LOG.warn("log topic {} has no topic record (a delete was cut short); deleting it", logName);
                log.deleteTopic(logName);
            }
        }
    }

    /** Creates a topic with the default dedup window. Names under {@code kmb.system.} are the bus's own. */
    public TopicInfo create(TenantId tenant, TopicName name, TopicSpec spec) {
        return create(tenant, name, spec, TopicRecord.DEFAULT_DEDUP_WINDOW);
    }

    /** Creates a topic; {@code dedupWindow} zero turns dedup off. Names under {@code kmb.system.} are the bus's own. */
    public TopicInfo create(TenantId tenant, TopicName name, TopicSpec spec, Duration dedupWindow) {
        if (name.isReserved()) {
            throw new ProblemException(ProblemCode.FORBIDDEN, "topic names under '" + TopicName.RESERVED_PREFIX
                    + "' are reserved for the bus");
        }
        return createInternal(tenant, name, spec, dedupWindow);
    }

    /** Creates a topic, reserved names included (the bus's own topics), with the default dedup window. */
    TopicInfo createInternal(TenantId tenant, TopicName name, TopicSpec spec) {
        return createInternal(tenant, name, spec, TopicRecord.DEFAULT_DEDUP_WINDOW);
    }

    private TopicInfo createInternal(TenantId tenant, TopicName name, TopicSpec spec, Duration dedupWindow) {
        adminLock.lock();
        try {
            Instant now = config.clock().instant();
            TopicRecord record = new TopicRecord(tenant, name, spec, now, now, dedupWindow);
            if (!store.createTopic(record)) {
                throw new ProblemException(ProblemCode.TOPIC_EXISTS, "topic '" + name + "' already exists");
            }
            try {
                log.createTopic(LogNames.logTopic(tenant, name), spec);
            } catch (dev.kmb.log.spi.TopicExistsException e) {
                if (!cluster) {
                    throw e;
                }
                // another node starting up created the log topic for our record already: the same topic
            } catch (IllegalArgumentException e) { // the log cannot hold this spec (Kafka: brotli, max_messages, ...)
                store.deleteTopic(tenant, name);
                throw new ProblemException(ProblemCode.INVALID_FIELD, e.getMessage());
            } catch (RuntimeException e) { // nothing half made: the record goes with the failed log topic
                store.deleteTopic(tenant, name);
                throw e;
            }
            cache.put(new TenantTopicKey(tenant, name), record);
        } finally {
            adminLock.unlock();
        }
        listeners.forEach(l -> l.topicChanged(tenant, name, spec.partitions()));
        return get(tenant, name);
    }

    public List<TopicInfo> list(TenantId tenant) {
        List<TopicInfo> out = new ArrayList<>();
        for (TopicRecord r : store.topics(tenant)) {
            out.add(info(r));
        }
        return out;
    }

    public TopicInfo get(TenantId tenant, TopicName name) {
        return info(require(tenant, name));
    }

    /** The record of a topic, or 404 {@code topic_not_found}. */
    TopicRecord require(TenantId tenant, TopicName name) {
        return find(tenant, name).orElseThrow(() ->
                new ProblemException(ProblemCode.TOPIC_NOT_FOUND, "topic '" + name + "' does not exist"));
    }

    Optional<TopicRecord> find(TenantId tenant, TopicName name) {
        TopicRecord r = cache.get(new TenantTopicKey(tenant, name));
        if (r == null && cluster) { // created on another node since the last refresh
            Optional<TopicRecord> stored = store.topic(tenant, name);
            stored.ifPresent(this::learn);
            return stored;
        }
        return Optional.ofNullable(r);
    }

    /**
     * Cluster mode: follows what other nodes did to the topics since the last call (created, changed, deleted), telling
     * the listeners as if it had happened here.
     */
    void refresh() {
        java.util.Set<TenantTopicKey> stored = new java.util.HashSet<>();
        for (TopicRecord t : store.allTopics()) {
            stored.add(new TenantTopicKey(t.tenant(), t.name()));
            TopicRecord known = cache.get(new TenantTopicKey(t.tenant(), t.name()));
            if (known == null || !known.updatedAt().equals(t.updatedAt()) || !known.spec().equals(t.spec())) {
                learn(t);
            }
        }
        for (TenantTopicKey k : List.copyOf(cache.keySet())) {
            if (!stored.contains(k) && cache.remove(k) != null) {
                listeners.forEach(l -> l.topicDeleted(k.tenant(), k.topic()));
            }
        }
    }

    private void learn(TopicRecord t) {
        TopicRecord before = cache.put(new TenantTopicKey(t.tenant(), t.name()), t);
        if (before == null || before.spec().partitions() != t.spec().partitions()) {
            listeners.forEach(l -> l.topicChanged(t.tenant(), t.name(), t.spec().partitions()));
        }
    }

    /** The topic for a publish: it must exist, unless {@code topics.auto_create} is on. */
    TopicRecord forPublish(TenantId tenant, TopicName name) {
        if (name.isReserved()) { // the bus writes its own topics itself (dead letters), never through a publish
            throw new ProblemException(ProblemCode.FORBIDDEN, "topics under '" + TopicName.RESERVED_PREFIX
                    + "' are written by the bus only");
        }
        Optional<TopicRecord> t = find(tenant, name);
        if (t.isPresent()) {
            return t.get();
        }
        if (!config.autoCreateTopics()) {
            throw new ProblemException(ProblemCode.TOPIC_NOT_FOUND, "topic '" + name
                    + "' does not exist; create it with POST /v1/topics (or set topics.auto_create: true)");
        }
        try {
            createInternal(tenant, name, config.defaultTopicSpec());
        } catch (ProblemException e) {
            if (e.problem().code() != ProblemCode.TOPIC_EXISTS) {
                throw e;
            }
        }
        return require(tenant, name);
    }

    public TopicInfo patch(TenantId tenant, TopicName name, TopicPatch patch) {
        TopicSpec spec;
        adminLock.lock();
        try {
            TopicRecord old = require(tenant, name);
            try {
                spec = patch.applyTo(old.spec());
                log.updateTopic(LogNames.logTopic(tenant, name), spec);
            } catch (IllegalArgumentException e) {
                throw new ProblemException(ProblemCode.INVALID_FIELD, e.getMessage());
            }
            TopicRecord updated = new TopicRecord(tenant, name, spec, old.createdAt(), config.clock().instant(),
                    patch.dedupWindow().orElse(old.dedupWindow()));
            store.updateTopic(updated);
            cache.put(new TenantTopicKey(tenant, name), updated);
        } finally {
            adminLock.unlock();
        }
        listeners.forEach(l -> l.topicChanged(tenant, name, spec.partitions()));
        return get(tenant, name);
    }

    public void delete(TenantId tenant, TopicName name) {
        adminLock.lock();
        try {
            require(tenant, name);
            store.deleteTopic(tenant, name);
            cache.remove(new TenantTopicKey(tenant, name));
            log.deleteTopic(LogNames.logTopic(tenant, name));
        } finally {
            adminLock.unlock();
        }
        listeners.forEach(l -> l.topicDeleted(tenant, name));
    }

    /** Every topic of every tenant. */
    List<TopicRecord> allRecords() {
        return new ArrayList<>(cache.values());
    }

    /** Every topic of a tenant (for pattern matching when a subscription starts). */
    List<TopicRecord> records(TenantId tenant) {
        List<TopicRecord> out = new ArrayList<>();
        cache.values().forEach(r -> {
            if (r.tenant().equals(tenant)) {
                out.add(r);
            }
        });
        return out;
    }

    private TopicInfo info(TopicRecord r) {
        TopicName logName = LogNames.logTopic(r.tenant(), r.name());
        List<TopicInfo.PartitionInfo> parts = new ArrayList<>();
        for (int p = 0; p < r.spec().partitions(); p++) {
            TopicPartition tp = new TopicPartition(logName, p);
            parts.add(new TopicInfo.PartitionInfo(p, log.startOffset(tp), log.endOffset(tp)));
        }
        return new TopicInfo(r.name(), r.spec(), r.createdAt(), r.updatedAt(), parts, r.dedupWindow());
    }
}
