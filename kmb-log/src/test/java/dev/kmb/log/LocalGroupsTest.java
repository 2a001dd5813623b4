package dev.kmb.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.GroupListener;
import dev.kmb.log.spi.GroupMembership;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded log's consumer groups: partitions spread over members, never held by two at once. */
class LocalGroupsTest {

    private static final TopicName JOBS = TopicName.of("jobs");

    @TempDir
    Path dir;
    private EmbeddedLog log;
    /** Every callback of every member, in the order they ran: "g a + jobs-0", "g b - jobs-1", ... */
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void open() {
        log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir).build());
        log.createTopic(JOBS, TopicSpec.defaults().withPartitions(4));
    }

    @AfterEach
    void close() {
        log.close();
    }

    private final class Recorder implements GroupListener {
        final String name;
        final Set<TopicPartition> held = Collections.synchronizedSet(new LinkedHashSet<>());

        Recorder(String group, String member) {
            this.name = group + " " + member;
        }

        @Override
        public void assigned(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> events.add(name + " + " + tp.topic() + "-" + tp.partition()));
            held.addAll(partitions);
        }

        @Override
        public void revoked(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> events.add(name + " - " + tp.topic() + "-" + tp.partition()));
            held.removeAll(partitions);
        }
    }

    @Test
    void twoMembersSplitTheTopicAndTheSurvivorTakesAllWhenOneLeaves() {
        Recorder a = new Recorder("g", "a");
        Recorder b = new Recorder("g", "b");
        GroupMembership ma = log.joinGroup("g", a);
        ma.subscribe(Set.of(JOBS));
        await(() -> a.held.size() == 4);
        GroupMembership mb = log.joinGroup("g", b);
        mb.subscribe(Set.of(JOBS));
        await(() -> a.held.size() == 2 && b.held.size() == 2);
        assertThat(intersection(a.held, b.held)).isEmpty();

        ma.close(); // returns after its partitions were revoked
        assertThat(a.held).isEmpty();
        await(() -> b.held.size() == 4);
        mb.close();
        assertNeverHeldTwice();
    }

    @Test
    void groupsAreIndependentAndFollowTopicsAsTheyGrowAndGo() {
        Recorder a = new Recorder("g", "a");
        Recorder other = new Recorder("other", "o");
        log.joinGroup("g", a).subscribe(Set.of(JOBS));
        log.joinGroup("other", other).subscribe(Set.of(JOBS));
        await(() -> a.held.size() == 4 && other.held.size() == 4);

        log.updateTopic(JOBS, TopicSpec.defaults().withPartitions(6));
        await(() -> a.held.size() == 6);
        log.deleteTopic(JOBS);
        await(() -> a.held.isEmpty() && other.held.isEmpty());
        assertNeverHeldTwice();
    }

    @Test
    void aMemberHoldsNothingUntilItSubscribes() throws InterruptedException {
        Recorder a = new Recorder("g", "a");
        GroupMembership m = log.joinGroup("g", a);
        Thread.sleep(50);
        assertThat(a.held).isEmpty();
        m.subscribe(Set.of(TopicName.of("not-yet")));
        log.createTopic(TopicName.of("not-yet"), TopicSpec.defaults().withPartitions(2));
        await(() -> a.held.size() == 2);
    }

    /** Replays the callbacks: a partition is assigned to a member only while no other member of its group holds it. */
    private void assertNeverHeldTwice() {
        java.util.Map<String, String> holder = new java.util.HashMap<>();
        for (String e : List.copyOf(events)) {
            String[] f = e.split(" ");
            boolean add = f[2].equals("+");
            String member = f[1];
            String tp = f[0] + " " + f[3];
            if (add) {
                assertThat(holder.get(tp)).as("%s assigned while held", e).isNull();
                holder.put(tp, member);
            } else {
                assertThat(holder.remove(tp)).as("%s revoked by a non-holder", e).isEqualTo(member);
            }
        }
    }

    private static Set<TopicPartition> intersection(Set<TopicPartition> x, Set<TopicPartition> y) {
        Set<TopicPartition> out = new LinkedHashSet<>(x);
        out.retainAll(y);
        return out;
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.onSpinWait();
        }
    }
}
