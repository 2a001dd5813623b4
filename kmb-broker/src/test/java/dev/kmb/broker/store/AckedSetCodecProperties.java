package dev.kmb.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.broker.spi.AckedRanges;
import dev.kmb.broker.spi.StateStoreException;
import java.util.Base64;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class AckedSetCodecProperties {

    /** Offsets above the floor as the broker sees them: runs of acks with holes, sometimes far apart. */
    @Provide
    Arbitrary<long[]> ackedAbove() {
        Arbitrary<Long> gap = Arbitraries.oneOf(Arbitraries.longs().between(1, 3), Arbitraries.longs().between(1, 1000),
                Arbitraries.longs().between(1, Long.MAX_VALUE / 4096));
        Arbitrary<Integer> run = Arbitraries.oneOf(Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 500));
        return Arbitraries.entries(gap, run).list().ofMaxSize(12).map(runs -> {
            Set<Long> offsets = new TreeSet<>();
            long next = 0;
            for (var r : runs) {
                next += r.getKey();
                for (int k = 0; k < r.getValue(); k++) {
                    offsets.add(next++);
                }
            }
            return offsets.stream().mapToLong(Long::longValue).toArray();
        });
    }

    @Property
    void roundTripsAnySortedSetAboveTheFloor(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long floor,
                                             @ForAll("ackedAbove") long[] relative) {
        long[] acked = relative.clone();
        for (int i = 0; i < acked.length; i++) {
            acked[i] += floor;
        }

        String text = encode(floor, acked);

        assertThat(decode(floor, text)).containsExactly(acked);
        assertThat(text).matches("[A-Za-z0-9_-]*");
    }

    @Property
    void roundTripsArbitrarySortedSets(@ForAll @Size(max = 200) Set<@LongRange(min = 2, max = 1_000_000) Long> set,
                                       @ForAll @IntRange(min = 0, max = 1) int floor) {
        long[] acked = new TreeSet<>(set).stream().mapToLong(Long::longValue).toArray();

        assertThat(decode(floor, encode(floor, acked))).containsExactly(acked);
    }

    @Property
    void anyFlippedBitIsRejectedNotMisread(@ForAll("ackedAbove") long[] relative, @ForAll @IntRange(min = 0) int pick) {
        long[] acked = relative.clone();
        for (int i = 0; i < acked.length; i++) {
            acked[i] += 100;
        }
        String text = encode(99, acked);
        if (text.isEmpty()) {
            return;
        }
        byte[] bytes = Base64.getUrlDecoder().decode(text);
        int bit = pick % (bytes.length * 8);
        bytes[bit / 8] ^= (byte) (1 << (bit % 8));

        assertThatThrownBy(() -> decode(99, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes)))
                .isInstanceOf(StateStoreException.class).hasMessageContaining("corrupt acked_above");
    }

    @Example
    void runsMakeLongSequencesTiny() {
        long[] million = new long[1_000_000];
        for (int i = 0; i < million.length; i++) {
            million[i] = 1_000_001L + i;
        }

        assertThat(encode(1_000_000, million)).hasSizeLessThan(16);
        assertThat(encode(1_000_000, new long[0])).isEmpty();
        // isEqualTo, not containsExactly: the latter is quadratic on a million elements
        assertThat(decode(1_000_000, encode(1_000_000, million))).isEqualTo(million);
    }

    @Example
    void rejectsGarbageAndTruncation() {
        String good = encode(0, new long[] {2, 3, 9});

        assertThatThrownBy(() -> decode(0, "!!")).hasMessageContaining("not base64url");
        assertThatThrownBy(() -> decode(0, good.substring(0, good.length() - 2)))
                .isInstanceOf(StateStoreException.class);
        assertThatThrownBy(() -> encode(5, new long[] {5}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The codec on an array of offsets, as a cursor's acked set is usually written down. */
    static String encode(long floor, long[] acked) {
        return AckedSetCodec.encode(floor, AckedRanges.of(acked));
    }

    static long[] decode(long floor, String text) {
        return AckedSetCodec.decodeRanges(floor, text).toArray();
    }
}
