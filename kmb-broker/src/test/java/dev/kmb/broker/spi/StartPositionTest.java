package dev.kmb.broker.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StartPositionTest {

    @ParameterizedTest
    @CsvSource({
            "latest, latest",
            "LATEST, latest",
            "earliest, earliest",
            "0, 0",
            "42, 42",
            "9223372036854775807, 9223372036854775807",
            "2025-06-01T12:00:00Z, 2025-06-01T12:00:00Z",
            "2025-06-01T14:00:00.5+02:00, 2025-06-01T12:00:00.500Z",
            "2025-06-01t12:00:00z, 2025-06-01T12:00:00Z"
    })
    void wireFormRoundTripsToItsCanonicalText(String text, String canonical) {
        StartPosition parsed = StartPosition.parse(text);

        assertThat(parsed.format()).isEqualTo(canonical);
        assertThat(StartPosition.parse(parsed.format())).isEqualTo(parsed);
    }

    @ParameterizedTest
    @CsvSource({"latest, Latest", "earliest, Earliest", "7, AtOffset", "2025-06-01T12:00:00Z, AtTime"})
    void eachKindParsesToItsCase(String text, String kind) {
        assertThat(StartPosition.parse(text).getClass().getSimpleName()).isEqualTo(kind);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "newest", "2025-06-01T12:00Z", "2025-06-01 12:00:00Z", "2025-06-01T12:00:00",
            "99999999999999999999"})
    void rejectsAnythingElseNamingTheValue(String text) {
        assertThatThrownBy(() -> StartPosition.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, Long.MIN_VALUE})
    void offsetMustNotBeNegative(long offset) {
        assertThatThrownBy(() -> new StartPosition.AtOffset(offset)).hasMessageContaining("start offset must be >= 0");
    }

    @Test
    void timeKeepsNanosecondsInItsWireForm() {
        Instant t = Instant.parse("2025-06-01T12:00:00.123456789Z");

        assertThat(StartPosition.parse(new StartPosition.AtTime(t).format())).isEqualTo(new StartPosition.AtTime(t));
    }
}
