package dev.kmb.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.broker.spi.AckedRanges;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link AckedOffsets} (and its ranges) against a plain sorted set doing the same adds, drops and floor moves. */
class AckedOffsetsProperties {

    /** One step: 0 add, 1 drop below, 2 advance the floor from, 3 clear, 4 add the range offset..offset+length-1. */
    record Op(int kind, long offset, int length) {
    }

    @Property(tries = 1000)
    void behavesAsASortedSetOfOffsets(@ForAll("ops") List<Op> ops) {
        AckedOffsets bits = new AckedOffsets();
        TreeSet<Long> model = new TreeSet<>();
        for (Op op : ops) {
            switch (op.kind()) {
                case 0 -> {
                    bits.add(op.offset());
                    model.add(op.offset());
                }
                case 1 -> {
                    bits.removeBelow(op.offset());
                    model.headSet(op.offset()).clear();
                }
                case 2 -> {
                    long floor = op.offset();
                    model.headSet(floor).clear();
                    while (!model.isEmpty() && model.first() == floor) {
                        model.pollFirst();
                        floor++;
                    }
                    assertThat(bits.advance(op.offset())).as("floor after %s", op).isEqualTo(floor);
                }
                case 3 -> {
                    bits.clear();
                    model.clear();
                }
                default -> {
                    long[] range = java.util.stream.LongStream.range(op.offset(), op.offset() + op.length()).toArray();
                    bits.addAll(AckedRanges.of(range));
                    for (long o : range) {
                        model.add(o);
                    }
                }
            }
            long[] expected = model.stream().mapToLong(Long::longValue).toArray();
            AckedRanges ranges = bits.ranges();
            assertThat(ranges.toArray()).as("after %s", op).containsExactly(expected);
            assertThat(ranges).as("as ranges after %s", op).isEqualTo(AckedRanges.of(expected));
            assertThat(bits.size()).isEqualTo(model.size());
            assertThat(bits.isEmpty()).isEqualTo(model.isEmpty());
            long probe = op.offset();
            for (long o = probe - 2; o <= probe + 2; o++) {
                assertThat(bits.contains(o)).isEqualTo(model.contains(o));
            }
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(
                Arbitraries.integers().between(0, 10).map(k -> k < 6 ? 0 : k < 8 ? 1 : k < 9 ? 2 : k < 10 ? 3 : 4),
                Arbitraries.longs().between(1_000, 1_300), Arbitraries.integers().between(1, 40)).as(Op::new);
        return op.list().ofMaxSize(200);
    }
}
