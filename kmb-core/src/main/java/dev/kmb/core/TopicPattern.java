package dev.kmb.core;

import java.util.List;

/**
 * A topic pattern for subscriptions and ACLs, with AMQP topic-exchange rules: {@code *} matches exactly one segment,
 * {@code #} matches zero or more, anywhere and as often as needed ({@code a.#.b} matches {@code a.b} and
 * {@code a.x.y.b}; {@code #} alone matches every topic).
 *
 * <p>Each segment is a literal ({@code [A-Za-z0-9_-]+}), {@code *} or {@code #}; at most 255 characters in all.
 * Immutable and thread-safe. {@link #matches} tests one topic; to route among many patterns use
 * {@link TopicMatcherIndex}.
 */
public final class TopicPattern {

    /** Longest accepted pattern, in characters. */
    public static final int MAX_LENGTH = TopicName.MAX_LENGTH;

    /** The segment that matches exactly one segment. */
    public static final String ONE = "*";

    /** The segment that matches zero or more segments. */
    public static final String ANY = "#";

    private final String value;
    private final List<String> segments;
    private final boolean literal;
    private final boolean hasAny;

    private TopicPattern(String value, List<String> segments) {
        this.value = value;
        this.segments = segments;
        this.hasAny = segments.contains(ANY);
        this.literal = !hasAny && !segments.contains(ONE);
    }

    /**
     * Parses a pattern.
     *
     * @throws InvalidPatternException naming the offending segment or rule
     */
    public static TopicPattern of(String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidPatternException("topic pattern must not be empty");
        }
        if (value.length() > MAX_LENGTH) {
            throw new InvalidPatternException("topic pattern is " + value.length() + " characters long, at most "
                    + MAX_LENGTH + " are allowed");
        }
        String[] parts = value.split("\\.", -1);
        int index = 0;
        for (String part : parts) {
            checkSegment(value, part, index);
            index += part.length() + 1;
        }
        return new TopicPattern(value, List.of(parts));
    }

    /** True when {@code value} is a valid pattern. */
    public static boolean isValid(String value) {
        try {
            of(value);
            return true;
        } catch (InvalidPatternException e) {
            return false;
        }
    }

    /** The pattern that matches exactly {@code topic}. */
    public static TopicPattern literal(TopicName topic) {
        return new TopicPattern(topic.value(), topic.segments());
    }

    private static void checkSegment(String pattern, String segment, int start) {
        if (segment.isEmpty()) {
            throw new InvalidPatternException("topic pattern '" + pattern + "' has an empty segment at index " + start);
        }
        if (segment.equals(ONE) || segment.equals(ANY)) {
            return;
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '*' || c == '#') {
                throw new InvalidPatternException("topic pattern '" + pattern + "' has '" + c + "' inside the segment '"
                        + segment + "' at index " + (start + i) + "; a wildcard must be a whole segment (a.*.c, a.#)");
            }
            if (!TopicName.isSegmentChar(c)) {
                throw new InvalidPatternException("topic pattern '" + pattern + "' has the character '" + c
                        + "' at index " + (start + i) + "; segments allow only A-Z a-z 0-9 _ - or a whole * or #");
            }
        }
    }

    /** The pattern as text. */
    public String value() {
        return value;
    }

    /** The segments in order: literals, {@code *} and {@code #}; immutable. */
    public List<String> segments() {
        return segments;
    }

    /** True when the pattern has no wildcard, so it matches exactly one topic. */
    public boolean isLiteral() {
        return literal;
    }

    /** True when {@code topic} matches this pattern. */
    public boolean matches(TopicName topic) {
        List<String> names = topic.segments();
        if (!hasAny) {
            return matchesWithoutAny(names);
        }
        return matchesWithAny(names);
    }

    // No '#': the pattern and the topic must have the same length and agree segment by segment.
    private boolean matchesWithoutAny(List<String> names) {
        int n = segments.size();
        if (names.size() != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            String p = segments.get(i);
            if (!p.equals(ONE) && !p.equals(names.get(i))) {
                return false;
            }
        }
        return true;
    }

    /*
     * Dynamic programming over (pattern suffix, topic suffix), one row at a time from the end:
     * next[j] tells whether pattern[i+1..] matches topic[j..]; row[j] whether pattern[i..] does.
     * '#' at i matches topic[j..] when pattern[i+1..] matches topic[k..] for some k >= j, which the
     * right-to-left scan accumulates in one pass. O(pattern x topic) time, two rows of memory.
     */
    private boolean matchesWithAny(List<String> names) {
        int t = names.size();
        boolean[] next = new boolean[t + 1];
        boolean[] row = new boolean[t + 1];
        next[t] = true; // the empty pattern matches only the empty rest of a topic
        for (int i = segments.size() - 1; i >= 0; i--) {
            String p = segments.get(i);
            if (p.equals(ANY)) {
                boolean any = false;
                for (int j = t; j >= 0; j--) {
                    any |= next[j];
                    row[j] = any;
                }
            } else {
                row[t] = false;
                boolean one = p.equals(ONE);
                for (int j = t - 1; j >= 0; j--) {
                    row[j] = next[j + 1] && (one || p.equals(names.get(j)));
                }
            }
            boolean[] swap = next;
            next = row;
            row = swap;
        }
        return next[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicPattern other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
