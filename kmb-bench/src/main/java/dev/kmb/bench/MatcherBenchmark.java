package dev.kmb.bench;

import dev.kmb.core.TopicMatcherIndex;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Topic lookups per second through {@link TopicMatcherIndex} holding 100,000 subscription patterns, beside the naive
 * baseline: one {@link TopicPattern#matches} call per pattern.
 *
 * <p>Workload: topics {@code tenantT.agentA.kind.verb} (20 tenants × 500 agents × 3 kinds × 5 verbs = 150,000
 * topics); about 93% of patterns are literal subscriptions to a random topic, the rest are wildcard shapes seen in
 * agent systems ({@code tenantT.agentA.#}, {@code tenantT.*.intent.create}, {@code *.agentA.event.*},
 * {@code tenantT.#.delete}, {@code tenantT.agentA.*.*}) plus one global {@code #} audit tap. Looked-up topics
 * follow a Zipf(1) popularity over a shuffled ranking, or a uniform one.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class MatcherBenchmark {

    private static final String[] KINDS = {"intent", "event", "tool"};
    private static final String[] VERBS = {"create", "update", "delete", "query", "notify"};
    private static final int TENANTS = 20;
    private static final int AGENTS = 500;
    private static final int SAMPLES = 1 << 16;

    /** The patterns and a precomputed stream of topics to look up. */
    @State(Scope.Benchmark)
    public static class Workload {
        @Param({"100000"})
        int patternCount;

        @Param({"zipf", "uniform"})
        String popularity;

        TopicPattern[] patterns;
        TopicName[] lookups;

        @Setup
        public void setUp() {
            SplittableRandom random = new SplittableRandom(42);
            List<String> universe = new ArrayList<>();
            for (int t = 0; t < TENANTS; t++) {
                for (int a = 0; a < AGENTS; a++) {
                    for (String kind : KINDS) {
                        for (String verb : VERBS) {
                            universe.add("tenant" + t + ".agent" + a + "." + kind + "." + verb);
                        }
                    }
                }
            }
            patterns = new TopicPattern[patternCount];
            patterns[0] = TopicPattern.of("#");
            for (int i = 1; i < patternCount; i++) {
                patterns[i] = TopicPattern.of(random.nextInt(100) < 93
                        ? universe.get(random.nextInt(universe.size()))
                        : wildcard(random));
            }
            lookups = new TopicName[SAMPLES];
            double[] cdf = popularity.equals("zipf") ? zipfCdf(universe.size()) : null;
            shuffle(universe, random);
            for (int i = 0; i < SAMPLES; i++) {
                int rank = cdf == null ? random.nextInt(universe.size()) : sample(cdf, random.nextDouble());
                lookups[i] = TopicName.of(universe.get(rank));
            }
        }

        private static String wildcard(SplittableRandom r) {
            String tenant = "tenant" + r.nextInt(TENANTS);
            String agent = "agent" + r.nextInt(AGENTS);
            return switch (r.nextInt(5)) {
                case 0 -> tenant + "." + agent + ".#";
                case 1 -> tenant + ".*." + KINDS[r.nextInt(KINDS.length)] + "." + VERBS[r.nextInt(VERBS.length)];
                case 2 -> "*." + agent + ".event.*";
                case 3 -> tenant + ".#." + VERBS[r.nextInt(VERBS.length)];
                default -> tenant + "." + agent + ".*.*";
            };
        }

        private static double[] zipfCdf(int n) {
            double[] cdf = new double[n];
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += 1.0 / (k + 1);
                cdf[k] = sum;
            }
            for (int k = 0; k < n; k++) {
                cdf[k] /= sum;
            }
            return cdf;
        }

        private static int sample(double[] cdf, double u) {
            int i = Arrays.binarySearch(cdf, u);
            return Math.min(i >= 0 ? i : -i - 1, cdf.length - 1);
        }

        private static void shuffle(List<String> list, SplittableRandom r) {
            for (int i = list.size() - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                String swap = list.get(i);
                list.set(i, list.get(j));
                list.set(j, swap);
            }
        }
    }

    /** The index under test, with or without its topic → result cache. */
    @State(Scope.Benchmark)
    public static class Index {
        @Param({"4096", "0"})
        int cacheCapacity;

        TopicMatcherIndex<Integer> index;

        @Setup
        public void setUp(Workload workload) {
            index = new TopicMatcherIndex<>(cacheCapacity);
            for (int i = 0; i < workload.patterns.length; i++) {
                index.add(workload.patterns[i], i);
            }
        }
    }

    /** Each thread walks the lookup stream on its own. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        TopicName next(Workload workload) {
            return workload.lookups[next++ & (SAMPLES - 1)];
        }
    }

    @Benchmark
    public List<Integer> index(Index index, Workload workload, Cursor cursor) {
        return index.index.match(cursor.next(workload));
    }

    /** Baseline: test every pattern. One op = one lookup against all 100k patterns. */
    @Benchmark
    public int naiveLoop(Workload workload, Cursor cursor) {
        TopicName topic = cursor.next(workload);
        int matches = 0;
        for (TopicPattern pattern : workload.patterns) {
            if (pattern.matches(topic)) {
                matches++;
            }
        }
        return matches;
    }
}
