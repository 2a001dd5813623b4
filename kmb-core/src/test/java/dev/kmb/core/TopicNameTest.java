package dev.kmb.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicNameTest {

    @Test
    void splitsIntoSegments() {
        TopicName name = TopicName.of("kmb.agent-7.intent_x.create");
        assertThat(name.segments()).containsExactly("kmb", "agent-7", "intent_x", "create");
        assertThat(name.value()).isEqualTo("kmb.agent-7.intent_x.create");
    }

    @Test
    void acceptsExactly255Characters() {
        String longest = "a".repeat(255);
        assertThat(TopicName.isValid(longest)).isTrue();
        assertThatThrownBy(() -> TopicName.of(longest + "b"))
                .isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("256 characters");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "a.", ".a", "a..b", "a b", "a.*", "a.#", "ä", "a/b", "a.b\n"})
    void rejectsBrokenNames(String bad) {
        assertThat(TopicName.isValid(bad)).isFalse();
        assertThatThrownBy(() -> TopicName.of(bad)).isInstanceOf(InvalidTopicException.class);
    }

    @Test
    void errorNamesTheOffendingCharacterAndIndex() {
        assertThatThrownBy(() -> TopicName.of("orders.eu west"))
                .isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("' '")
                .hasMessageContaining("index 9");
        assertThatThrownBy(() -> TopicName.of("a..b")).hasMessageContaining("empty segment at index 2");
    }

    @Test
    void invalidTopicIsAnInvalidTopicProblem() {
        assertThatThrownBy(() -> TopicName.of("a..b"))
                .isInstanceOfSatisfying(InvalidTopicException.class, e -> {
                    assertThat(e.problem().code()).isEqualTo(ProblemCode.INVALID_TOPIC);
                    assertThat(e.problem().status()).isEqualTo(400);
                });
    }

    @Test
    void nullIsInvalidNotANullPointer() {
        assertThat(TopicName.isValid(null)).isFalse();
    }

    @Test
    void reservedNamesAreUnderKmbSystem() {
        assertThat(TopicName.of("kmb.system.dlq").isReserved()).isTrue();
        assertThat(TopicName.of("kmb.systems.x").isReserved()).isFalse();
        assertThat(TopicName.of("kmb.agent").isReserved()).isFalse();
    }

    @Test
    void equalityIsByValue() {
        assertThat(TopicName.of("a.b")).isEqualTo(TopicName.of("a.b")).hasSameHashCodeAs(TopicName.of("a.b"));
        assertThat(TopicName.of("a.b")).isNotEqualTo(TopicName.of("a.B"));
    }
}
