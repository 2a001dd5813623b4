package dev.kmb.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link TopicMatcherIndex#match} against the simplest model: every entry whose pattern matches, found by a linear
 * scan with the regex reference, also after random removals, with and without the cache.
 */
class TopicMatcherIndexProperties {

    /** One entry of the model: an id that is unique per entry, so duplicates in a result are visible. */
    record Entry(String pattern, int id) {}

    @Property(tries = 300)
    void indexReturnsExactlyTheMatchingEntries(
            @ForAll("entries") List<Entry> entries,
            @ForAll("topicLists") List<String> topics,
            @ForAll @IntRange(max = 100) int removePercent,
            @ForAll boolean cached) {
        TopicMatcherIndex<Entry> index = new TopicMatcherIndex<>(cached ? 64 : 0);
        List<Entry> model = new ArrayList<>();
        for (Entry entry : entries) {
            assertThat(index.add(TopicPattern.of(entry.pattern()), entry)).isTrue();
            model.add(entry);
        }
        // Query before removing, so the cache (when on) holds results that removals must invalidate.
        assertAgrees(index, model, topics);

        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            if ((i * 37 + removePercent) % 100 < removePercent) {
                assertThat(index.remove(TopicPattern.of(entry.pattern()), entry)).isTrue();
                model.remove(entry);
            }
        }
        assertThat(index.size()).isEqualTo(model.size());
        assertAgrees(index, model, topics);

        // Re-adding after removals must work on pruned paths.
        for (Entry entry : entries) {
            if (!model.contains(entry)) {
                index.add(TopicPattern.of(entry.pattern()), entry);
                model.add(entry);
            }
        }
        assertAgrees(index, model, topics);
    }

    @Property(tries = 100)
    void addingAnEntryTwiceKeepsOne(@ForAll("patterns") String pattern, @ForAll("topics") String topic) {
        TopicMatcherIndex<String> index = new TopicMatcherIndex<>();
        assertThat(index.add(TopicPattern.of(pattern), "s")).isTrue();
        assertThat(index.add(TopicPattern.of(pattern), "s")).isFalse();
        assertThat(index.size()).isEqualTo(1);
        boolean matches = TopicPatternProperties.Reference.matches(pattern, topic);
        assertThat(index.match(TopicName.of(topic))).isEqualTo(matches ? List.of("s") : List.of());
    }

    private static void assertAgrees(TopicMatcherIndex<Entry> index, List<Entry> model, List<String> topics) {
        for (String topic : topics) {
            List<Entry> expected = model.stream()
                    .filter(e -> TopicPatternProperties.Reference.matches(e.pattern(), topic))
                    .toList();
            // Twice: the second lookup may come from the cache.
            for (int round = 0; round < 2; round++) {
                assertThat(index.match(TopicName.of(topic)))
                        .as("topic %s, round %d", topic, round)
                        .containsExactlyInAnyOrderElementsOf(expected);
            }
        }
    }

    @Provide
    static Arbitrary<List<Entry>> entries() {
        Arbitrary<String> pattern = patterns();
        return pattern.list().ofMinSize(0).ofMaxSize(40).map(patterns -> {
            List<Entry> list = new ArrayList<>();
            for (int i = 0; i < patterns.size(); i++) {
                list.add(new Entry(patterns.get(i), i));
            }
            return list;
        });
    }

    @Provide
    static Arbitrary<List<String>> topicLists() {
        return topics().list().ofMinSize(1).ofMaxSize(20);
    }

    @Provide
    static Arbitrary<String> patterns() {
        return TopicPatternProperties.patterns();
    }

    @Provide
    static Arbitrary<String> topics() {
        return TopicPatternProperties.topics();
    }
}
