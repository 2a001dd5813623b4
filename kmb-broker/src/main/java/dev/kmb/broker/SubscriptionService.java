package dev.kmb.broker;

import dev.kmb.broker.spi.CursorState;
import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicMatcherIndex;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.TopicPartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Durable and ephemeral subscriptions: create, list, delete, attach members, settle messages, seek, lag.
 * Each subscription runs on its own {@link SubscriptionDispatcher}; this class keeps them, routes new data
 * to the ones whose pattern matches, and follows topics as they come and go. Thread-safe.
 */
public final class SubscriptionService implements TopicService.Listener {

    private record Key(TenantId tenant, String name) {
    }

    private final StateStore store;
    private final MessageLog log;
    private final TopicService topics;
    private final CursorCheckpointer checkpointer;
    private final BrokerConfig config;
    private final BrokerMetrics metrics;
    private final DeadLetterSink deadLetters;
    private final Map<Key, SubscriptionDispatcher> dispatchers = new ConcurrentHashMap<>();
    private final ClusterMode cluster; // null on a single node
    private final Map<Key, ClusterSeat> seats = new ConcurrentHashMap<>();
    private final Map<TenantId, TopicMatcherIndex<SubscriptionDispatcher>> routes = new ConcurrentHashMap<>();
    private final Map<TopicName, Optional<LogNames.TenantTopic>> logNames = new ConcurrentHashMap<>();
    private final ReentrantLock adminLock = new ReentrantLock();
    private final AtomicLong ephemeralIds = new AtomicLong();

    SubscriptionService(StateStore store, MessageLog log, TopicService topics, CursorCheckpointer checkpointer,
                        BrokerConfig config, BrokerMetrics metrics, DeadLetterSink deadLetters, ClusterMode cluster) {
        this.deadLetters = deadLetters;
        this.cluster = cluster;
        this.store = store;
        this.log = log;
        this.topics = topics;
        this.checkpointer = checkpointer;
        this.config = config;
        this.metrics = metrics;
    }

    /** Starts a dispatcher for every stored subscription, from its stored ack state. */
    void start() {
        for (SubscriptionRecord s : store.allSubscriptions()) {
            if (cluster != null) {
                register(newDispatcher(s, false), s.tenant()); // partitions come when the group gives them
                continue;
            }
            Map<String, CursorState> saved = new HashMap<>();
            for (CursorState c : store.cursors(s.tenant(), s.name())) {
                saved.put(c.topic().value() + ":" + c.partition(), c);
            }
            SubscriptionDispatcher d = newDispatcher(s, false);
            seed(d, s.tenant(), s.pattern(), (topic, tp) -> {
                CursorState c = saved.get(topic.value() + ":" + tp.partition());
                // no saved state: the topic appeared after the subscription, so all of it is new to it
                return c != null ? c : new CursorState(s.tenant(), s.name(), topic, tp.partition(), log.startOffset(tp), new long[0]);
            });
            register(d, s.tenant());
        }
    }

    // ================================================================ durable subscriptions

    public SubscriptionRecord create(SubscriptionRecord s) {
        adminLock.lock();
        try {
            if (!store.createSubscription(s)) {
                throw new ProblemException(ProblemCode.SUBSCRIPTION_EXISTS, "subscription '" + s.name() + "' already exists");
            }
            SubscriptionDispatcher d = newDispatcher(s, false);
            // in a cluster the dispatcher reads only what the group gives this node, from these stored cursors
            List<CursorState> initial = seed(cluster == null ? d : null, s.tenant(), s.pattern(), (topic, tp) ->
                    new CursorState(s.tenant(), s.name(), topic, tp.partition(), resolve(tp, s.start()), new long[0]));
            store.saveCursors(initial); // "latest" means latest now, also after a restart
            register(d, s.tenant());
            return s;
        } finally {
            adminLock.unlock();
        }
    }

    public List<SubscriptionRecord> list(TenantId tenant) {
        return store.subscriptions(tenant);
    }

    public SubscriptionRecord get(TenantId tenant, String name) {
        return require(tenant, name).config();
    }

    public void delete(TenantId tenant, String name) {
        adminLock.lock();
        try {
            SubscriptionDispatcher d = require(tenant, name);
            ClusterSeat seat = seats.get(new Key(tenant, name));
            if (seat != null) {
                seat.close(); // out of the group: the last ack state is written first
            }
            unregister(d, tenant);
            d.stop();
            checkpointer.flush().join(); // let queued ack state land before the rows go
            store.deleteSubscription(tenant, name);
        } finally {
            adminLock.unlock();
        }
    }

    /** Attaches a member to a durable subscription (409 when it is exclusive and taken). */
    public SubscriptionSession attach(TenantId tenant, String name) {
        SubscriptionDispatcher d = require(tenant, name);
        ClusterSeat seat = seats.get(new Key(tenant, name));
        if (seat == null) {
            return d.join();
        }
        seat.memberJoined();
        SubscriptionSession member;
        try {
            member = d.join();
        } catch (RuntimeException e) {
            seat.memberLeft();
            throw e;
        }
        return new ClusterSession(member, seat);
    }

    /** A member on a cluster node: when it leaves, the node may leave the subscription's group. */
    private static final class ClusterSession implements SubscriptionSession {
        private final SubscriptionSession member;
        private final ClusterSeat seat;
        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

        ClusterSession(SubscriptionSession member, ClusterSeat seat) {
            this.member = member;
            this.seat = seat;
        }

        @Override
        public String subscription() {
            return member.subscription();
        }

        @Override
        public Optional<Delivery> poll(Duration timeout) throws InterruptedException {
            return member.poll(timeout);
        }

        @Override
        public int drainTo(List<Delivery> sink, int max) {
            return member.drainTo(sink, max);
        }

        @Override
        public boolean isClosed() {
            return member.isClosed();
        }

        @Override
        public void close() {
            member.close();
            if (closed.compareAndSet(false, true)) {
                Thread.ofVirtual().name("kmb-seat-leave").start(seat::memberLeft); // may wait for a revoke to be written
            }
        }
    }

    public CompletableFuture<AckResult> ack(TenantId tenant, String name, List<UUID> ids) {
        return require(tenant, name).ack(ids);
    }

    /** Fails deliveries: each is retried after {@code delay} (else its backoff), or dead-lettered after its last try. */
    public CompletableFuture<AckResult> nack(TenantId tenant, String name, List<UUID> ids, Optional<Duration> delay,
                                             Optional<String> reason) {
        return require(tenant, name).nack(ids, delay, reason);
    }

    /** Rejects deliveries outright: each goes to the dead-letter topic now with reason {@code rejected}. */
    public CompletableFuture<AckResult> term(TenantId tenant, String name, List<UUID> ids, Optional<String> reason) {
        return require(tenant, name).term(ids, reason);
    }

    /** Moves the subscription to {@code to} on every partition it follows. */
    public CompletableFuture<Void> seek(TenantId tenant, String name, StartPosition to) {
        SubscriptionDispatcher d = require(tenant, name);
        if (cluster == null) {
            return d.seek(tp -> resolve(tp, to));
        }
        // Cluster: one transaction raises the subscription's seek generation and writes every partition's cursor stamped
        // with it, so no node that has not heard of the seek can write its old position over it; this node moves the
        // partitions it holds now, the other nodes theirs when their next refresh sees the new generation.
        List<CursorState> all = seed(null, tenant, d.config().pattern(), (topic, tp) ->
                new CursorState(tenant, name, topic, tp.partition(), resolve(tp, to), new long[0]));
        long generation = store.beginSeek(tenant, name, all);
        return d.seek(generation, tp -> resolve(tp, to));
    }

    /** The log partitions this node reads for the subscription now (all of them on a single node). */
    CompletableFuture<List<TopicPartition>> held(TenantId tenant, String name) {
        return require(tenant, name).held();
    }

    /** Runs the subscription's timers and delivery now; completes after (for tests with a clock they move). */
    CompletableFuture<Void> tick(TenantId tenant, String name) {
        return require(tenant, name).tick();
    }

    public CompletableFuture<List<PartitionLag>> lag(TenantId tenant, String name) {
        SubscriptionDispatcher d = require(tenant, name);
        if (cluster == null) {
            return d.lag();
        }
        // a cluster node knows the partitions it holds first hand, the others from their stored cursors
        return d.lag().thenApply(held -> {
            Map<String, PartitionLag> out = new java.util.TreeMap<>();
            Map<String, CursorState> stored = new HashMap<>();
            store.cursors(tenant, name).forEach(c -> stored.put(c.topic().value() + ":" + c.partition(), c));
            seed(null, tenant, d.config().pattern(), (topic, tp) -> {
                CursorState c = stored.get(topic.value() + ":" + tp.partition());
                long floor = c != null ? c.ackFloor() : log.startOffset(tp);
                long above = c != null ? c.ackedAboveCount() : 0;
                long end = log.endOffset(tp);
                out.put(topic.value() + ":" + String.format("%08d", tp.partition()), new PartitionLag(topic,
                        tp.partition(), end, floor, Math.max(0, end - floor - above), 0, 0, Optional.empty(), 0));
                return c;
            });
            held.forEach(l -> out.put(l.topic().value() + ":" + String.format("%08d", l.partition()), l));
            return List.copyOf(out.values());
        });
    }

    private SubscriptionDispatcher require(TenantId tenant, String name) {
        SubscriptionDispatcher d = dispatchers.get(new Key(tenant, name));
        if (d == null && cluster != null) {
            d = adopt(tenant, name); // created on another node since the last refresh
        }
        if (d == null) {
            throw new ProblemException(ProblemCode.SUBSCRIPTION_NOT_FOUND, "subscription '" + name + "' does not exist");
        }
        return d;
    }

    // ================================================================ cluster

    /** Starts serving a subscription another node created, if the store has it. */
    private SubscriptionDispatcher adopt(TenantId tenant, String name) {
        adminLock.lock();
        try {
            SubscriptionDispatcher d = dispatchers.get(new Key(tenant, name));
            if (d != null) {
                return d;
            }
            Optional<SubscriptionRecord> s = store.subscription(tenant, name);
            if (s.isEmpty()) {
                return null;
            }
            d = newDispatcher(s.get(), false);
            register(d, tenant);
            return d;
        } finally {
            adminLock.unlock();
        }
    }

    /**
     * Cluster mode: follows what other nodes did to the subscriptions (created, deleted), renews leases and takes over
     * the subscriptions whose serving node went away.
     */
    void refresh() {
        if (cluster == null) {
            return;
        }
        java.util.Set<Key> stored = new java.util.HashSet<>();
        for (SubscriptionRecord s : store.allSubscriptions()) {
            stored.add(new Key(s.tenant(), s.name()));
            if (!dispatchers.containsKey(new Key(s.tenant(), s.name()))) {
                adopt(s.tenant(), s.name());
            }
        }
        for (Map.Entry<Key, ClusterSeat> e : seats.entrySet()) {
            if (!stored.contains(e.getKey())) {
                adminLock.lock();
                try {
                    SubscriptionDispatcher d = dispatchers.get(e.getKey());
                    e.getValue().close();
                    if (d != null) {
                        unregister(d, e.getKey().tenant());
                        d.stop(); // its members are told the session ended
                    }
                } finally {
                    adminLock.unlock();
                }
            } else {
                e.getValue().tick();
            }
        }
    }

    // ================================================================ ephemeral subscriptions

    /**
     * Subscribes a connection to a pattern for as long as the returned session is open. Messages are
     * acked as they are handed over (at most once). {@code resume} is a cursor from an earlier delivery
     * ({@code Last-Event-ID}): partitions it names restart right after it, others at {@code start}.
     */
    public SubscriptionSession attachEphemeral(TenantId tenant, TopicPattern pattern, StartPosition start,
                                               Optional<String> resume) {
        Map<String, Long> resumeAt = resume.map(SubscriptionService::parseVector).orElse(Map.of());
        String name = "ephemeral-" + ephemeralIds.incrementAndGet();
        SubscriptionRecord s = SubscriptionRecord.builder(tenant, name, pattern).build(config.clock().instant());
        SubscriptionDispatcher d = newDispatcher(s, true);
        seed(d, tenant, pattern, (topic, tp) -> {
            Long at = resumeAt.get(topic.value() + ":" + tp.partition());
            long from = at != null ? Math.max(at, log.startOffset(tp)) : resolve(tp, start);
            return new CursorState(tenant, name, topic, tp.partition(), from, new long[0]);
        });
        register(d, tenant);
        Member m = d.join();
        return new SubscriptionSession() {
            @Override
            public String subscription() {
                return name;
            }

            @Override
            public Optional<Delivery> poll(Duration timeout) throws InterruptedException {
                return m.poll(timeout);
            }

            @Override
            public int drainTo(List<Delivery> sink, int max) {
                return m.drainTo(sink, max);
            }

            @Override
            public boolean isClosed() {
                return m.isClosed();
            }

            @Override
            public void close() {
                m.close();
                unregister(d, tenant);
                d.stop();
            }
        };
    }

    /** Parses {@code topic:partition:offset[,…]}; a malformed cursor is a 400. */
    static Map<String, Long> parseVector(String cursor) {
        Map<String, Long> out = new HashMap<>();
        for (String part : cursor.split(",")) {
            String[] f = part.split(":");
            try {
                if (f.length != 3 || !TopicName.isValid(f[0]) || Integer.parseInt(f[1]) < 0 || Long.parseLong(f[2]) < 0) {
                    throw new NumberFormatException();
                }
                out.put(f[0] + ":" + f[1], Long.parseLong(f[2]));
            } catch (NumberFormatException e) {
                throw new ProblemException(ProblemCode.BAD_REQUEST, "Last-Event-ID '" + cursor
                        + "' is not a cursor this bus issued (expected topic:partition:offset[,…])");
            }
        }
        return out;
    }

    // ================================================================ routing

    /** New records became visible in a log partition: wake the subscriptions that follow it. */
    void onAppend(TopicPartition logPartition) {
        Optional<LogNames.TenantTopic> tt = logNames.computeIfAbsent(logPartition.topic(), LogNames::parse);
        if (tt.isEmpty()) {
            return;
        }
        TopicMatcherIndex<SubscriptionDispatcher> index = routes.get(tt.get().tenant());
        if (index != null) {
            for (SubscriptionDispatcher d : index.match(tt.get().topic())) {
                d.wake();
            }
        }
    }

    @Override
    public void topicChanged(TenantId tenant, TopicName topic, int partitions) {
        TopicMatcherIndex<SubscriptionDispatcher> index = routes.get(tenant);
        if (index == null) {
            return;
        }
        TopicName logTopic = LogNames.logTopic(tenant, topic);
        for (SubscriptionDispatcher d : index.match(topic)) {
            ClusterSeat seat = seats.get(new Key(tenant, d.name()));
            if (seat != null && !d.isEphemeral()) {
                seat.topicsChanged(); // the group hands the partitions out
                continue;
            }
            d.addPartitions(topic, logTopic, 0, partitions, p -> log.startOffset(new TopicPartition(logTopic, p)));
            d.wake();
        }
    }

    @Override
    public void topicDeleted(TenantId tenant, TopicName topic) {
        TopicMatcherIndex<SubscriptionDispatcher> index = routes.get(tenant);
        if (index != null) {
            TopicName logTopic = LogNames.logTopic(tenant, topic);
            index.match(topic).forEach(d -> {
                d.removeTopic(logTopic);
                ClusterSeat seat = seats.get(new Key(tenant, d.name()));
                if (seat != null && !d.isEphemeral()) {
                    seat.topicsChanged();
                }
            });
        }
        logNames.remove(LogNames.logTopic(tenant, topic));
    }

    private SubscriptionDispatcher newDispatcher(SubscriptionRecord s, boolean ephemeral) {
        return new SubscriptionDispatcher(s.tenant(), s, ephemeral, log, ephemeral ? null : checkpointer, config.clock(),
                metrics, config.readBatchRecords(), deadLetters);
    }

    private void register(SubscriptionDispatcher d, TenantId tenant) {
        dispatchers.put(new Key(tenant, d.name()), d);
        if (cluster != null && !d.isEphemeral()) {
            seats.put(new Key(tenant, d.name()), new ClusterSeat(cluster, d, log, store, topics, config.clock()));
        }
        routes.computeIfAbsent(tenant, t -> new TopicMatcherIndex<>()).add(d.config().pattern(), d);
        d.start();
        d.wake();
    }

    private void unregister(SubscriptionDispatcher d, TenantId tenant) {
        dispatchers.remove(new Key(tenant, d.name()));
        seats.remove(new Key(tenant, d.name()));
        TopicMatcherIndex<SubscriptionDispatcher> index = routes.get(tenant);
        if (index != null) {
            index.remove(d.config().pattern(), d);
        }
    }

    /** Where a subscription's cursor on one partition starts. */
    @FunctionalInterface
    private interface CursorSeed {
        CursorState at(TopicName topic, TopicPartition logPartition);
    }

    /** Gives the dispatcher a cursor on every partition of every topic its pattern matches; returns them. */
    private List<CursorState> seed(SubscriptionDispatcher d, TenantId tenant, TopicPattern pattern, CursorSeed seed) {
        List<CursorState> out = new ArrayList<>();
        for (TopicRecord t : matching(tenant, pattern)) {
            TopicName logTopic = LogNames.logTopic(tenant, t.name());
            for (int p = 0; p < t.spec().partitions(); p++) {
                CursorState c = seed.at(t.name(), new TopicPartition(logTopic, p));
                if (d != null) {
                    d.restoreCursor(t.name(), logTopic, c);
                }
                out.add(c);
            }
        }
        return out;
    }

    private List<TopicRecord> matching(TenantId tenant, TopicPattern pattern) {
        List<TopicRecord> out = new ArrayList<>();
        for (TopicRecord t : topics.records(tenant)) {
            if (pattern.matches(t.name())) {
                out.add(t);
            }
        }
        return out;
    }

    /** The offset a start position means on one partition now. */
    long resolve(TopicPartition tp, StartPosition start) {
        long first = log.startOffset(tp);
        long end = log.endOffset(tp);
        if (start instanceof StartPosition.Earliest) {
            return first;
        }
        if (start instanceof StartPosition.AtOffset at) {
            return Math.max(first, Math.min(end, at.offset()));
        }
        if (start instanceof StartPosition.AtTime at) {
            return log.offsetForTimestamp(tp, at.time().toEpochMilli()).orElse(end);
        }
        return end;
    }

    /** Stops every dispatcher (their ack state is already written). */
    void close() {
        seats.values().forEach(ClusterSeat::close); // out of the groups, ack state written, leases given up
        dispatchers.values().forEach(SubscriptionDispatcher::stop);
        dispatchers.clear();
    }
}
