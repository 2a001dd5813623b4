package dev.kmb.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class TopicMatcherIndexTest {

    private static TopicName t(String name) {
        return TopicName.of(name);
    }

    private static TopicPattern p(String pattern) {
        return TopicPattern.of(pattern);
    }

    @Test
    void returnsEachEntryOnceEvenWhenItMatchesInManyWays() {
        TopicMatcherIndex<String> index = new TopicMatcherIndex<>();
        index.add(p("#.#.#"), "greedy");
        index.add(p("a.#.b.#"), "split");
        assertThat(index.match(t("a.b.b.b"))).containsExactlyInAnyOrder("greedy", "split");
    }

    @Test
    void subscriberUnderTwoMatchingPatternsAppearsOncePerPattern() {
        TopicMatcherIndex<String> index = new TopicMatcherIndex<>();
        index.add(p("orders.*"), "billing");
        index.add(p("orders.#"), "billing");
        assertThat(index.match(t("orders.created"))).containsExactly("billing", "billing");
        assertThat(index.size()).isEqualTo(2);
    }

    @Test
    void cachedResultIsDroppedWhenAnEntryIsAddedOrRemoved() {
        TopicMatcherIndex<String> index = new TopicMatcherIndex<>(16);
        index.add(p("a.*"), "one");
        assertThat(index.match(t("a.b"))).containsExactly("one");
        index.add(p("a.b"), "two");
        assertThat(index.match(t("a.b"))).containsExactlyInAnyOrder("one", "two");
        index.remove(p("a.*"), "one");
        assertThat(index.match(t("a.b"))).containsExactly("two");
        index.remove(p("a.b"), "two");
        assertThat(index.match(t("a.b"))).isEmpty();
        assertThat(index.size()).isZero();
    }

    @Test
    void removingAnAbsentEntryChangesNothing() {
        TopicMatcherIndex<String> index = new TopicMatcherIndex<>();
        index.add(p("a.b.c"), "x");
        assertThat(index.remove(p("a.b"), "x")).isFalse();
        assertThat(index.remove(p("a.b.c"), "y")).isFalse();
        assertThat(index.remove(p("a.b.c.d"), "x")).isFalse();
        assertThat(index.match(t("a.b.c"))).containsExactly("x");
    }

    @Test
    void resultsCannotBeModifiedByCallers() {
        TopicMatcherIndex<String> index = new TopicMatcherIndex<>();
        index.add(p("a"), "x");
        List<String> result = index.match(t("a"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> result.add("y"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void readersSeeEveryStableEntryWhileAWriterChurnsOthers() throws Exception {
        TopicMatcherIndex<String> index = new TopicMatcherIndex<>(64);
        index.add(p("t.#"), "stable-hash");
        index.add(p("t.*.x"), "stable-star");
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(pool.submit(() -> {
                    int lookups = 0;
                    while (!stop.get()) {
                        List<String> got = index.match(t("t.a.x"));
                        assertThat(got).contains("stable-hash", "stable-star");
                        lookups++;
                    }
                    return lookups;
                }));
            }
            for (int i = 0; i < 20_000; i++) {
                index.add(p("t.a." + (i % 50 == 0 ? "#" : "x")), "churn" + i);
                index.remove(p("t.a." + (i % 50 == 0 ? "#" : "x")), "churn" + i);
            }
            stop.set(true);
            for (Future<Integer> reader : readers) {
                assertThat(reader.get(10, TimeUnit.SECONDS)).isPositive();
            }
            assertThat(index.match(t("t.a.x"))).containsExactlyInAnyOrder("stable-hash", "stable-star");
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }
}
