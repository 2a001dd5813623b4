package dev.kmb.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The hand-written RFC 3339 reader and writer against {@code java.time}'s, on valid, out-of-range and garbled input. */
class Rfc3339Properties {

    @Property(tries = 3000)
    void writesWhatIsoInstantWritesAndReadsItBack(@ForAll @LongRange(min = -62_167_219_200L, max = 253_402_300_799L) long second,
                                                  @ForAll("nanos") int nanos) {
        Instant instant = Instant.ofEpochSecond(second, nanos);
        String text = Rfc3339.format(instant);
        assertThat(text).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(instant));
        assertThat(Rfc3339.parseCommon(text)).as("read by the fast path").isEqualTo(instant);
    }

    @Property(tries = 1000)
    void writesInstantsOutsideFourDigitYearsAsIsoInstantDoes(@ForAll @LongRange(min = -400_000_000_000L, max = 400_000_000_000L)
                                                             long second, @ForAll @IntRange(max = 999_999_999) int nanos) {
        Instant instant = Instant.ofEpochSecond(second, nanos);
        assertThat(Rfc3339.format(instant)).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(instant));
    }

    @Property(tries = 4000)
    void readsTimestampsWithAnyFieldValuesAsJavaTimeDoes(@ForAll("stamps") String text) {
        assertThat(Rfc3339.parse(text)).as(text).isEqualTo(Rfc3339.parseSlow(text));
    }

    @Property(tries = 3000)
    void readsGarbleAsJavaTimeDoes(@ForAll("garble") String text) {
        assertThat(Rfc3339.parse(text)).as(text).isEqualTo(Rfc3339.parseSlow(text));
    }

    @Provide
    Arbitrary<Integer> nanos() {
        return Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(0, 999).map(m -> m * 1_000_000),
                Arbitraries.integers().between(0, 999_999).map(u -> u * 1_000), Arbitraries.integers().between(0, 999_999_999));
    }

    /** Timestamps in the common shape whose fields stray out of range now and then. */
    @Provide
    Arbitrary<String> stamps() {
        Arbitrary<String> date = Combinators.combine(Arbitraries.integers().between(0, 9999), Arbitraries.integers().between(0, 13),
                Arbitraries.integers().between(0, 32)).as((y, m, d) -> String.format("%04d-%02d-%02d", y, m, d));
        Arbitrary<String> time = Combinators.combine(Arbitraries.integers().between(0, 24), Arbitraries.integers().between(0, 60),
                Arbitraries.integers().between(0, 60)).as((h, m, s) -> String.format("%02d:%02d:%02d", h, m, s));
        Arbitrary<String> fraction = Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.just("."),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(11).map(f -> "." + f));
        Arbitrary<String> offset = Arbitraries.oneOf(Arbitraries.of("Z", "z", "+00:00", "-00:00", "+18:00", "-18:00", "+5:30", ""),
                Combinators.combine(Arbitraries.of("+", "-"), Arbitraries.integers().between(0, 24), Arbitraries.integers().between(0, 61))
                        .as((sign, h, m) -> String.format("%s%02d:%02d", sign, h, m)));
        return Combinators.combine(date, Arbitraries.of("T", "t", " "), time, fraction, offset)
                .as((d, t, tm, f, o) -> d + t + tm + f + o);
    }

    @Provide
    Arbitrary<String> garble() {
        return Arbitraries.strings().withChars("0123456789-:TtZz+. x").ofMinLength(0).ofMaxLength(36)
                .injectDuplicates(0.01)
                .edgeCases(c -> c.add("2024-02-29T23:59:59.999999999-17:59"));
    }
}
