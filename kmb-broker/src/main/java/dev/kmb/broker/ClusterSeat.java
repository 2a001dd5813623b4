package dev.kmb.broker;

import dev.kmb.broker.spi.CursorState;
import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.GroupListener;
import dev.kmb.log.spi.GroupMembership;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable subscription's place on one node of a cluster. While the node has members of the subscription it is a
 * member of the subscription's consumer group in the log, which spreads the partitions over the nodes that have
 * members; the dispatcher reads only the partitions the group gives this node, from their stored cursors, and writes
 * their ack state before one moves to another node. {@code exclusive} and {@code failover} subscriptions are served by
 * one node at a time, the one holding the subscription's lease in the state store: a second member on another node is
 * refused (exclusive) or waits (failover) and takes over when the lease is released or expires. Thread-safe.
 */
final class ClusterSeat implements GroupListener {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSeat.class);

    private final ClusterMode cluster;
    private final SubscriptionDispatcher dispatcher;
    private final MessageLog log;
    private final StateStore store;
    private final TopicService topics;
    private final java.time.Clock clock;

    // guarded by this
    private int localMembers;
    private boolean leaseHeld;
    private GroupMembership membership;

    ClusterSeat(ClusterMode cluster, SubscriptionDispatcher dispatcher, MessageLog log, StateStore store,
                TopicService topics, java.time.Clock clock) {
        this.cluster = cluster;
        this.dispatcher = dispatcher;
        this.log = log;
        this.store = store;
        this.topics = topics;
        this.clock = clock;
    }

    private SubscriptionRecord config() {
        return dispatcher.config();
    }

    private boolean oneNodeAtATime() {
        SubscriptionMode mode = config().mode();
        return mode == SubscriptionMode.EXCLUSIVE || mode == SubscriptionMode.FAILOVER;
    }

    /** A member attached on this node; an exclusive subscription served by another node refuses it (409). */
    synchronized void memberJoined() {
        localMembers++;
        if (localMembers > 1) {
            return;
        }
        if (oneNodeAtATime() && !takeLease()) {
            if (config().mode() == SubscriptionMode.EXCLUSIVE) {
                localMembers--;
                throw new ProblemException(ProblemCode.CONFLICT, "subscription '" + config().name()
                        + "' is exclusive and already has a consumer (on another node)");
            }
            LOG.info("subscription {}: another node serves it; this node's members wait to take over",
                    config().name());
            return;
        }
        engage();
    }

    /** A member of this node left; the last one takes the node out of the group (its partitions move on). */
    synchronized void memberLeft() {
        if (localMembers == 0 || --localMembers > 0) {
            return;
        }
        disengage();
    }

    /** Renews the lease, or takes it over when this node waits for it; follows topics that came or went. */
    synchronized void tick() {
        if (localMembers == 0) {
            return;
        }
        if (oneNodeAtATime()) {
            boolean had = leaseHeld;
            boolean has = takeLease();
            if (had && !has) {
                LOG.warn("subscription {}: lost its lease (this node was too slow to renew it); stepping back",
                        config().name());
                leaveGroup();
                return;
            }
            if (!had && has) {
                LOG.info("subscription {}: this node takes over", config().name());
            }
            if (!has) {
                return;
            }
        }
        if (membership == null) {
            engage();
        } else {
            followSeek();
            membership.subscribe(followedTopics());
            GroupMembership m = membership;
            dispatcher.floors().thenAccept(m::commit); // Kafka tools see the group's progress; the store stays the truth
        }
    }

    /**
     * Another node sought the subscription (its seek generation is newer than the state held here): the partitions this
     * node holds move to the cursors that seek stored. Until then this node's cursor writes are older than the seek's
     * and the store keeps the seek's.
     */
    private void followSeek() {
        long stored = store.seekGeneration(config().tenant(), config().name());
        if (stored <= dispatcher.seekGeneration()) {
            return;
        }
        Map<String, CursorState> cursors = new HashMap<>();
        for (CursorState c : store.cursors(config().tenant(), config().name())) {
            cursors.put(c.topic().value() + ":" + c.partition(), c);
        }
        LOG.info("subscription {} on node {}: following seek generation {}", config().name(), cluster.nodeId(), stored);
        dispatcher.seek(stored, tp -> LogNames.parse(tp.topic())
                .map(tt -> cursors.get(tt.topic().value() + ":" + tp.partition()))
                .map(CursorState::ackFloor)
                .orElseGet(() -> log.startOffset(tp))).join();
    }

    /** A topic matching the pattern came, grew or went. */
    synchronized void topicsChanged() {
        if (membership != null) {
            membership.subscribe(followedTopics());
        }
    }

    /** The subscription is going away, or the node stops: out of the group, lease given up. */
    synchronized void close() {
        localMembers = 0;
        disengage();
    }

    private void engage() {
        membership = log.joinGroup(groupId(), this);
        membership.subscribe(followedTopics());
    }

    private void disengage() {
        leaveGroup();
        if (leaseHeld) {
            try {
                store.releaseLease(config().tenant(), config().name(), cluster.nodeId());
            } catch (RuntimeException e) {
                LOG.warn("subscription {}: cannot release its lease (it will expire): {}", config().name(), e.toString());
            }
            leaseHeld = false;
        }
    }

    private void leaveGroup() {
        if (membership != null) {
            GroupMembership m = membership;
            membership = null;
            m.close(); // revokes first: the ack state is written before another node resumes from it
        }
    }

    private boolean takeLease() {
        leaseHeld = store.acquireLease(config().tenant(), config().name(), cluster.nodeId(), clock.millis(),
                cluster.leaseTtl().toMillis());
        return leaseHeld;
    }

    /** The group of a subscription: one per tenant and name, shared by every node. */
    String groupId() {
        return "kmb." + config().tenant().value() + "." + config().name();
    }

    private Set<TopicName> followedTopics() {
        Set<TopicName> out = new LinkedHashSet<>();
        for (TopicRecord t : topics.records(config().tenant())) {
            if (config().pattern().matches(t.name())) {
                out.add(LogNames.logTopic(config().tenant(), t.name()));
            }
        }
        return out;
    }

    // ================================================================ group callbacks (the log's thread)

    @Override
    public void assigned(Collection<TopicPartition> partitions) {
        Map<String, CursorState> stored = new HashMap<>();
        for (CursorState c : store.cursors(config().tenant(), config().name())) {
            stored.put(c.topic().value() + ":" + c.partition(), c);
        }
        List<Map.Entry<TopicName, CursorState>> states = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            LogNames.parse(tp.topic()).ifPresent(tt -> {
                CursorState c = stored.get(tt.topic().value() + ":" + tp.partition());
                if (c == null) { // the topic appeared after the subscription: all of it is new to it
                    c = new CursorState(config().tenant(), config().name(), tt.topic(), tp.partition(),
                            log.startOffset(tp), new long[0]);
                }
                states.add(Map.entry(tp.topic(), c));
            });
        }
        LOG.debug("subscription {} on node {}: assigned {}", config().name(), cluster.nodeId(), partitions);
        dispatcher.assign(states).join();
        dispatcher.wake();
    }

    @Override
    public void revoked(Collection<TopicPartition> partitions) {
        LOG.debug("subscription {} on node {}: revoked {}", config().name(), cluster.nodeId(), partitions);
        dispatcher.revoke(List.copyOf(partitions)).join();
    }
}
