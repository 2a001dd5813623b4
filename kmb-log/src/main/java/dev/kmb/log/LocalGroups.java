package dev.kmb.log;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.GroupListener;
import dev.kmb.log.spi.GroupMembership;
import dev.kmb.log.spi.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer groups inside one process, for the embedded log: each group spreads the partitions of the topics its members
 * follow over them (partition {@code p} of a topic goes to member {@code p mod n} of the members following it, in
 * joining order). A partition is revoked from its old holder, and that callback has returned, before it is assigned to
 * its new one. All of a group's rebalances and callbacks run in order on one thread of the group's own.
 */
final class LocalGroups {

    private static final Logger LOG = LoggerFactory.getLogger(LocalGroups.class);
    private static final AtomicLong MEMBER_IDS = new AtomicLong();

    private final ToIntFunction<TopicName> partitionsOf;
    private final Map<String, Group> groups = new HashMap<>();

    /** @param partitionsOf how many partitions a topic has now; 0 when it does not exist */
    LocalGroups(ToIntFunction<TopicName> partitionsOf) {
        this.partitionsOf = partitionsOf;
    }

    GroupMembership join(String groupId, GroupListener listener) {
        Group g;
        synchronized (groups) {
            g = groups.computeIfAbsent(groupId, Group::new);
        }
        return g.join(listener);
    }

    /** A topic appeared, grew or went away: every group rebalances (cheap: groups are few and small). */
    void topicChanged() {
        List<Group> all;
        synchronized (groups) {
            all = List.copyOf(groups.values());
        }
        all.forEach(Group::rebalanceLater);
    }

    void close() {
        List<Group> all;
        synchronized (groups) {
            all = List.copyOf(groups.values());
            groups.clear();
        }
        all.forEach(g -> g.executor.shutdownNow());
    }

    private final class Group {
        final String id;
        final ExecutorService executor;
        /** Members in joining order; touched on the group's thread only. */
        final List<Member> members = new ArrayList<>();

        Group(String id) {
            this.id = id;
            this.executor = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("kmb-group-" + id).factory());
        }

        GroupMembership join(GroupListener listener) {
            Member m = new Member(this, listener);
            executor.execute(() -> members.add(m));
            return m;
        }

        void rebalanceLater() {
            executor.execute(this::rebalance);
        }

        /** Runs on the group's thread. */
        void rebalance() {
            Map<Member, Set<TopicPartition>> target = new HashMap<>();
            members.forEach(m -> target.put(m, new LinkedHashSet<>()));
            Set<TopicName> followed = new LinkedHashSet<>();
            members.forEach(m -> followed.addAll(m.topics));
            for (TopicName topic : followed) {
                List<Member> eligible = members.stream().filter(m -> m.topics.contains(topic)).toList();
                int partitions = partitionsOf.applyAsInt(topic);
                for (int p = 0; p < partitions; p++) {
                    target.get(eligible.get(p % eligible.size())).add(new TopicPartition(topic, p));
                }
            }
            for (Member m : members) { // revoke everywhere first: no partition has two holders, even for a moment
                List<TopicPartition> gone = m.held.stream().filter(tp -> !target.get(m).contains(tp)).toList();
                if (!gone.isEmpty()) {
                    m.held.removeAll(gone);
                    m.tell(() -> m.listener.revoked(gone));
                }
            }
            for (Member m : members) {
                List<TopicPartition> added = target.get(m).stream().filter(tp -> !m.held.contains(tp)).toList();
                if (!added.isEmpty()) {
                    m.held.addAll(added);
                    m.tell(() -> m.listener.assigned(added));
                }
            }
        }
    }

    private static final class Member implements GroupMembership {
        final long id = MEMBER_IDS.incrementAndGet();
        final Group group;
        final GroupListener listener;
        /** Touched on the group's thread only. */
        Set<TopicName> topics = Set.of();
        final Set<TopicPartition> held = new LinkedHashSet<>();
        volatile boolean closed;

        Member(Group group, GroupListener listener) {
            this.group = group;
            this.listener = listener;
        }

        void tell(Runnable callback) {
            try {
                callback.run();
            } catch (RuntimeException e) {
                LOG.warn("group {} member {}: listener failed", group.id, id, e);
            }
        }

        @Override
        public String groupId() {
            return group.id;
        }

        @Override
        public void subscribe(Set<TopicName> newTopics) {
            Set<TopicName> copy = Set.copyOf(newTopics);
            group.executor.execute(() -> {
                if (!closed) {
                    topics = copy;
                    group.rebalance();
                }
            });
        }

        @Override
        public void commit(Map<TopicPartition, Long> positions) {
            // the embedded log keeps no group positions: the caller's state store holds them
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
                group.members.remove(this);
                if (!held.isEmpty()) {
                    List<TopicPartition> gone = List.copyOf(held);
                    held.clear();
                    tell(() -> listener.revoked(gone));
                }
                group.rebalance();
            }, group.executor);
            if (!Thread.currentThread().getName().equals("kmb-group-" + group.id)) {
                done.join(); // revoked before close returns, unless called from a callback (which would wait for itself)
            }
        }
    }
}
