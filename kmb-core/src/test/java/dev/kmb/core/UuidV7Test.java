package dev.kmb.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UuidV7Test {

    @Test
    void uuidV7CarriesTheClockMillisAndVersionBits() {
        Instant now = Instant.parse("2025-06-01T12:00:00.123Z");
        UuidV7 ids = new UuidV7(Clock.fixed(now, ZoneOffset.UTC));
        UUID a = ids.get();
        UUID b = ids.get();
        assertThat(a.version()).isEqualTo(7);
        assertThat(a.variant()).isEqualTo(2);
        assertThat(a.getMostSignificantBits() >>> 16).isEqualTo(now.toEpochMilli());
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void uuidV7OrdersByTime() {
        UUID earlier = new UuidV7(Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC)).get();
        UUID later = new UuidV7(Clock.fixed(Instant.ofEpochMilli(1_001), ZoneOffset.UTC)).get();
        assertThat(earlier.toString()).isLessThan(later.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1-1-1-1-1", "0190f0a6-3c6e-7d1a-9a3b-2f4c5d6e7f8", "0190f0a6x3c6e-7d1a-9a3b-2f4c5d6e7f80",
            "0190f0a6-3c6e-7d1a-9a3b-2f4c5d6e7f8g", "0190f0a6-3c6e-7d1a-9a3b-2f4c5d6e7f8\u0663"})
    void strictUuidParsingRefusesNonCanonicalForms(String text) {
        assertThat(UuidV7.parseStrict(text)).isNull();
    }
}
