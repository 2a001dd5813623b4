package dev.kmb.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.GroupListener;
import dev.kmb.log.spi.GroupMembership;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Kafka consumer groups as the log's groups: two nodes split a topic's partitions, a leaver's go to the other. */
class KafkaGroupMembershipTest {

    private static InProcessKafka kafka;
    private static KafkaMessageLog nodeA;
    private static KafkaMessageLog nodeB;

    @BeforeAll
    static void start() throws Exception {
        kafka = InProcessKafka.start(1);
        nodeA = KafkaMessageLog.open(kafka.config().build());
        nodeB = KafkaMessageLog.open(kafka.config().build());
    }

    @AfterAll
    static void stop() {
        nodeB.close();
        nodeA.close();
        kafka.close();
    }

    private static final class Held implements GroupListener {
        final Set<TopicPartition> held = Collections.synchronizedSet(new LinkedHashSet<>());

        @Override
        public void assigned(Collection<TopicPartition> partitions) {
            held.addAll(partitions);
        }

        @Override
        public void revoked(Collection<TopicPartition> partitions) {
            held.removeAll(partitions);
        }
    }

    @Test
    void membersOnTwoNodesSplitThePartitionsAndTheStayerGetsTheLeaversOnes() {
        TopicName topic = TopicName.of("default.jobs");
        nodeA.createTopic(topic, TopicSpec.defaults().withPartitions(4));
        Held a = new Held();
        Held b = new Held();
        GroupMembership ma = nodeA.joinGroup("kmb.default.workers", a);
        ma.subscribe(Set.of(topic));
        await(() -> a.held.size() == 4);
        GroupMembership mb = nodeB.joinGroup("kmb.default.workers", b);
        mb.subscribe(Set.of(topic));
        await(() -> a.held.size() == 2 && b.held.size() == 2);
        Set<TopicPartition> both = new LinkedHashSet<>(a.held);
        both.retainAll(b.held);
        assertThat(both).isEmpty();

        ma.close(); // leaves the group: revoked before close returns
        assertThat(a.held).isEmpty();
        await(() -> b.held.size() == 4);
        mb.subscribe(Set.of());
        await(b.held::isEmpty);
        mb.close();
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 30 s").isLessThan(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
