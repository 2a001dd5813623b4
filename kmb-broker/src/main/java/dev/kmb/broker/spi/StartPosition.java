package dev.kmb.broker.spi;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * Where a new subscription starts on each partition it meets. Immutable and thread-safe.
 *
 * <p>Wire form ({@link #parse}/{@link #format}): {@code latest}, {@code earliest}, a non-negative integer offset, or
 * an RFC 3339 time (written back in UTC with {@code Z}).
 */
public sealed interface StartPosition {

    /** Only messages appended after the subscription is created. The default. */
    Latest LATEST = new Latest();

    /** Everything the log still holds. */
    Earliest EARLIEST = new Earliest();

    /** Only messages appended after the subscription is created. */
    record Latest() implements StartPosition {
        @Override
        public String format() {
            return "latest";
        }
    }

    /** Everything the log still holds. */
    record Earliest() implements StartPosition {
        @Override
        public String format() {
            return "earliest";
        }
    }

    /**
     * From this offset on every partition (clamped by the reader to what the log still holds).
     *
     * @param offset a non-negative offset
     */
    record AtOffset(long offset) implements StartPosition {
        public AtOffset {
            if (offset < 0) {
                throw new IllegalArgumentException("start offset must be >= 0, was " + offset);
            }
        }

        @Override
        public String format() {
            return Long.toString(offset);
        }
    }

    /**
     * From the first message whose timestamp is at or after this time.
     *
     * @param time the time to start at
     */
    record AtTime(Instant time) implements StartPosition {
        public AtTime {
            Objects.requireNonNull(time, "time");
        }

        @Override
        public String format() {
            return DateTimeFormatter.ISO_INSTANT.format(time);
        }
    }

    /** The wire form of this position. */
    String format();

    /**
     * Parses the wire form.
     *
     * @throws IllegalArgumentException naming the bad value and the accepted forms
     */
    static StartPosition parse(String text) {
        Objects.requireNonNull(text, "start");
        if (text.equalsIgnoreCase("latest")) {
            return LATEST;
        }
        if (text.equalsIgnoreCase("earliest")) {
            return EARLIEST;
        }
        if (!text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return new AtOffset(Long.parseLong(text));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("start offset '" + text + "' is too large", e);
            }
        }
        return dev.kmb.core.Rfc3339.tryParse(text).<StartPosition>map(AtTime::new).orElseThrow(() ->
                new IllegalArgumentException("start must be latest, earliest, a non-negative offset or an RFC 3339 "
                        + "time; was '" + text + "'"));
    }
}
