package dev.kmb.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.TopicPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link DeadlineList} against a list kept sorted by deadline (ties in insertion order). */
class DeadlineListProperties {

    /** One step: 0 add message {@code which} with deadline {@code at} (again: moves it), 1 remove it, 2 take the first. */
    record Op(int kind, int which, long at) {
    }

    @Property(tries = 1000)
    void keepsMessagesInDeadlineOrder(@ForAll("ops") List<Op> ops) {
        Tracked[] messages = new Tracked[20];
        for (int i = 0; i < messages.length; i++) {
            messages[i] = new Tracked(new UUID(0, i), new TopicPartition(TopicName.of("t"), 0), i, null, null,
                    new byte[0], 0, null);
        }
        DeadlineList list = new DeadlineList();
        List<Tracked> model = new ArrayList<>();
        for (Op op : ops) {
            Tracked t = messages[op.which()];
            switch (op.kind()) {
                case 0 -> {
                    model.remove(t);
                    t.deadline = op.at();
                    int at = model.size();
                    while (at > 0 && model.get(at - 1).deadline > t.deadline) {
                        at--;
                    }
                    model.add(at, t);
                    list.add(t);
                }
                case 1 -> {
                    model.remove(t);
                    list.remove(t);
                }
                default -> {
                    Tracked first = list.first();
                    assertThat(first).isEqualTo(model.isEmpty() ? null : model.get(0));
                    if (first != null) {
                        list.remove(first);
                        model.remove(0);
                    }
                }
            }
            assertThat(list.size()).isEqualTo(model.size());
            assertThat(list.isEmpty()).isEqualTo(model.isEmpty());
            List<Tracked> walked = new ArrayList<>();
            for (Tracked x = list.first(); x != null; x = x.deadlineNext) {
                walked.add(x);
            }
            assertThat(walked).as("after %s", op).containsExactlyElementsOf(model);
            assertThat(walked).isSortedAccordingTo(Comparator.comparingLong(x -> x.deadline));
        }
        list.clear();
        assertThat(list.isEmpty()).isTrue();
        for (Tracked t : messages) {
            assertThat(t.inDeadlines).isFalse();
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 5).map(k -> k < 3 ? 0 : k < 5 ? 1 : 2),
                Arbitraries.integers().between(0, 19), Arbitraries.longs().between(0, 30)).as(Op::new);
        return op.list().ofMaxSize(120);
    }
}
