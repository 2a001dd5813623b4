package dev.kmb.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link TopicPattern#matches} against an independent model: the pattern translated to a regular expression. */
class TopicPatternProperties {

    @Property(tries = 3000)
    void matchesAgreesWithRegexTranslation(@ForAll("patterns") String pattern, @ForAll("topics") String topic) {
        assertThat(TopicPattern.of(pattern).matches(TopicName.of(topic)))
                .as("pattern %s on topic %s", pattern, topic)
                .isEqualTo(Reference.matches(pattern, topic));
    }

    @Property(tries = 500)
    void literalPatternMatchesOnlyItsOwnTopic(@ForAll("topics") String name, @ForAll("topics") String other) {
        TopicPattern literal = TopicPattern.of(name);
        assertThat(literal.isLiteral()).isTrue();
        assertThat(literal.matches(TopicName.of(name))).isTrue();
        assertThat(literal.matches(TopicName.of(other))).isEqualTo(name.equals(other));
    }

    @Property(tries = 500)
    void hashAloneMatchesEveryTopic(@ForAll("topics") String topic) {
        assertThat(TopicPattern.of("#").matches(TopicName.of(topic))).isTrue();
        assertThat(TopicPattern.of("#.#").matches(TopicName.of(topic))).isTrue();
    }

    @Provide
    static Arbitrary<String> patterns() {
        return Arbitraries.of("a", "b", "c", "*", "#").list().ofMinSize(1).ofMaxSize(6).map(s -> String.join(".", s));
    }

    @Provide
    static Arbitrary<String> topics() {
        return Arbitraries.of("a", "b", "c").list().ofMinSize(1).ofMaxSize(6).map(s -> String.join(".", s));
    }

    /**
     * The model: prefix every topic segment with a dot ({@code a.b} becomes {@code .a.b}); then a literal is
     * {@code \.lit}, {@code *} is exactly one {@code \.[^.]+} and {@code #} is any number of them.
     */
    static final class Reference {
        private Reference() {}

        static boolean matches(String pattern, String topic) {
            StringBuilder regex = new StringBuilder();
            for (String segment : List.of(pattern.split("\\."))) {
                switch (segment) {
                    case "*" -> regex.append("\\.[^.]+");
                    case "#" -> regex.append("(?:\\.[^.]+)*");
                    default -> regex.append("\\.").append(Pattern.quote(segment));
                }
            }
            return Pattern.compile(regex.toString()).matcher("." + topic).matches();
        }
    }
}
