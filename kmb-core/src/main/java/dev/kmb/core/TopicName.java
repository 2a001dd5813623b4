package dev.kmb.core;

import java.util.List;
import java.util.Objects;

/**
 * A validated topic name: segments of {@code [A-Za-z0-9_-]+} joined by {@code .}, at most 255 characters.
 *
 * <p>Immutable and thread-safe. Names under {@code kmb.system.} are reserved for the bus itself
 * (dead letters, audit, lifecycle); {@link #isReserved()} tells, callers decide whether to refuse.
 */
public final class TopicName implements Comparable<TopicName> {

    /** Longest accepted name, in characters. */
    public static final int MAX_LENGTH = 255;

    /** Prefix of the names the bus keeps for itself. */
    public static final String RESERVED_PREFIX = "kmb.system.";

    private final String value;
    // Split once: the matcher walks segments on every publish, and String.split would allocate each time.
    private final List<String> segments;

    private TopicName(String value) {
        this.value = value;
        this.segments = List.of(value.split("\\.", -1));
    }

    /**
     * Parses a topic name.
     *
     * @throws InvalidTopicException naming the first offending character or rule
     */
    public static TopicName of(String value) {
        String problem = check(value);
        if (problem != null) {
            throw new InvalidTopicException(problem);
        }
        return new TopicName(value);
    }

    /** True when {@code value} is a valid topic name. */
    public static boolean isValid(String value) {
        return check(value) == null;
    }

    /** Returns why {@code value} is not a valid name, or null when it is (internal: saves an Optional per parse). */
    static String check(String value) {
        if (value == null || value.isEmpty()) {
            return "topic name must not be empty";
        }
        if (value.length() > MAX_LENGTH) {
            return "topic name is " + value.length() + " characters long, at most " + MAX_LENGTH + " are allowed";
        }
        int segmentLength = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '.') {
                if (segmentLength == 0) {
                    return "topic name '" + value + "' has an empty segment at index " + i;
                }
                segmentLength = 0;
            } else if (isSegmentChar(c)) {
                segmentLength++;
            } else {
                return "topic name '" + value + "' has the character '" + c + "' at index " + i
                        + "; segments allow only A-Z a-z 0-9 _ -";
            }
        }
        if (segmentLength == 0) {
            return "topic name '" + value + "' ends with an empty segment";
        }
        return null;
    }

    static boolean isSegmentChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    /** The name as text. */
    public String value() {
        return value;
    }

    /** The dot-separated segments, in order; immutable. */
    public List<String> segments() {
        return segments;
    }

    /** True for names under {@code kmb.system.}, which only the bus may create or publish to. */
    public boolean isReserved() {
        return value.startsWith(RESERVED_PREFIX);
    }

    @Override
    public int compareTo(TopicName other) {
        return value.compareTo(other.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicName other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
