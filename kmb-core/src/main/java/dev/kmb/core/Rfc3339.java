package dev.kmb.core;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;

/**
 * RFC 3339 timestamps ({@code 2025-06-01T12:00:00.5+02:00}): seconds and an offset are required, {@code T}/{@code Z}
 * in either case. {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} is laxer (seconds optional), hence this parser.
 * Written as UTC with {@code Z}. Stateless and thread-safe.
 */
public final class Rfc3339 {

    private static final DateTimeFormatter PARSER = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .appendLiteral('T')
            .appendValue(ChronoField.HOUR_OF_DAY, 2)
            .appendLiteral(':')
            .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
            .appendLiteral(':')
            .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
            .optionalEnd()
            .appendOffset("+HH:MM", "Z")
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT)
            .withChronology(IsoChronology.INSTANCE);

    private Rfc3339() {}

    /** The instant, or null when {@code text} is not RFC 3339 (internal: saves an Optional per field). */
    static Instant parse(String text) {
        try {
            return OffsetDateTime.parse(text, PARSER).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The instant {@code text} denotes, or empty when it is not an RFC 3339 timestamp. */
    public static java.util.Optional<Instant> tryParse(String text) {
        return java.util.Optional.ofNullable(parse(text));
    }

    /** The instant in UTC with {@code Z}, as the bus writes timestamps. */
    public static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}
