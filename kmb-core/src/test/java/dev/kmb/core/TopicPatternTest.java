package dev.kmb.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicPatternTest {

    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @CsvSource({
        "a.#.b, a.b, true",
        "a.#.b, a.x.b, true",
        "a.#.b, a.x.y.b, true",
        "a.#.b, a.x.y, false",
        "a.#, a, true",
        "#.a, a, true",
        "#, a.b.c, true",
        "#.#, a, true",
        "a.*, a, false",
        "a.*, a.b, true",
        "a.*, a.b.c, false",
        "*.*.c, a.b.c, true",
        "a.*.#, a, false",
        "a.*.#, a.b.c.d, true",
        "#.b.#, a.b.c, true",
        "#.b.#, a.c, false",
        "A.b, a.b, false",
    })
    void matchesLikeAmqpTopicExchange(String pattern, String topic, boolean expected) {
        assertThat(TopicPattern.of(pattern).matches(TopicName.of(topic))).isEqualTo(expected);
    }

    @Test
    void literalOnlyWithoutWildcards() {
        assertThat(TopicPattern.of("a.b").isLiteral()).isTrue();
        assertThat(TopicPattern.of("a.*").isLiteral()).isFalse();
        assertThat(TopicPattern.of("#").isLiteral()).isFalse();
    }

    @Test
    void wildcardInsideSegmentIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> TopicPattern.of("a*"))
                .isInstanceOf(InvalidPatternException.class)
                .hasMessageContaining("'*' inside the segment 'a*'")
                .hasMessageContaining("whole segment");
        assertThatThrownBy(() -> TopicPattern.of("a.b#"))
                .hasMessageContaining("'#' inside the segment 'b#' at index 3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a..b", "a.", ".#", "a.b c", "**", "#a"})
    void rejectsBrokenPatterns(String bad) {
        assertThat(TopicPattern.isValid(bad)).isFalse();
        assertThatThrownBy(() -> TopicPattern.of(bad))
                .isInstanceOfSatisfying(InvalidPatternException.class,
                        e -> assertThat(e.code()).isEqualTo(ProblemCode.INVALID_PATTERN));
    }

    @Test
    void acceptsAt255CharactersAndNotBeyond() {
        String longest = "#." + "a".repeat(253);
        assertThat(TopicPattern.isValid(longest)).isTrue();
        assertThatThrownBy(() -> TopicPattern.of(longest + "a")).hasMessageContaining("at most 255");
    }

    @Test
    void matchesLongTopicsWithManyHashesQuickly() {
        // Naive backtracking is exponential here; the DP is not.
        TopicPattern pattern = TopicPattern.of("#.a.#.a.#.a.#.a.#.a.#.a.#.b");
        TopicName topic = TopicName.of(String.join(".", java.util.Collections.nCopies(120, "a")));
        assertThat(pattern.matches(topic)).isFalse();
    }
}
