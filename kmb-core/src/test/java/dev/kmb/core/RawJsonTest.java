package dev.kmb.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RawJsonTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{} {}", "[1,]", "'a'", "{\"a\" 1}", "tru"})
    void refusesAnythingButOneJsonValue(String text) {
        assertThatThrownBy(() -> RawJson.of(text))
                .isInstanceOfSatisfying(ProblemException.class,
                        e -> assertThat(e.code()).isEqualTo(ProblemCode.MALFORMED_JSON));
    }

    @Test
    void keepsTheTextAsGivenAndCannotBeChangedFromOutside() {
        byte[] bytes = "{ \"a\" : 1 }".getBytes(StandardCharsets.UTF_8);
        RawJson json = RawJson.of(bytes);
        bytes[2] = 'X';
        json.toByteArray()[2] = 'Y';
        assertThat(json.asString()).isEqualTo("{ \"a\" : 1 }");
        assertThat(json).isEqualTo(RawJson.of("{ \"a\" : 1 }")).isNotEqualTo(RawJson.of("{\"a\":1}"));
    }
}
