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
 * Written as UTC with {@code Z}, exactly as {@link DateTimeFormatter#ISO_INSTANT} writes.
 *
 * <p>Every envelope carries a timestamp that is parsed and written on each hop, and {@code java.time}'s formatters
 * cost microseconds each (a profile of the bus put them at a fifth of its envelope work). So the common shape, a
 * four-digit year and in-range fields, is read and written by hand; anything else goes through the
 * {@code java.time} formatter, which decides. Both paths agree on every input (a property test checks it).
 * Stateless and thread-safe.
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

    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};
    /** Seconds of 0000-01-01T00:00:00Z and of 9999-12-31T23:59:59Z: the years the fast writer covers. */
    private static final long FIRST_FAST_SECOND = -62_167_219_200L;
    private static final long LAST_FAST_SECOND = 253_402_300_799L;

    private Rfc3339() {}

    /** The instant, or null when {@code text} is not RFC 3339 (internal: saves an Optional per field). */
    static Instant parse(String text) {
        Instant fast = parseCommon(text);
        return fast != null ? fast : parseSlow(text);
    }

    /** The java.time reading of {@code text}: the reference the fast path must agree with. */
    static Instant parseSlow(String text) {
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

    /** The instant in UTC with {@code Z}, as the bus writes timestamps (the same text as {@code ISO_INSTANT}). */
    public static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_FAST_SECOND || seconds > LAST_FAST_SECOND) {
            return DateTimeFormatter.ISO_INSTANT.format(instant);
        }
        long days = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        // civil from days (H. Hinnant), exact for the proleptic Gregorian calendar
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        int year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
        int nanos = instant.getNano();
        int fraction = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
        byte[] out = new byte[20 + (fraction == 0 ? 0 : fraction + 1)];
        digits(out, 0, year, 4);
        out[4] = '-';
        digits(out, 5, month, 2);
        out[7] = '-';
        digits(out, 8, day, 2);
        out[10] = 'T';
        digits(out, 11, secondOfDay / 3600, 2);
        out[13] = ':';
        digits(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        digits(out, 17, secondOfDay % 60, 2);
        int at = 19;
        if (fraction > 0) {
            out[at++] = '.';
            digits(out, at, nanos / POWERS[9 - fraction], fraction);
            at += fraction;
        }
        out[at] = 'Z';
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static void digits(byte[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * The common shape {@code YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)} with every field in range, read by hand; null for
     * anything else (which the slow path then decides).
     */
    static Instant parseCommon(String s) {
        int n = s.length();
        if (n < 20 || n > 35 || s.charAt(4) != '-' || s.charAt(7) != '-' || (s.charAt(10) | 0x20) != 't'
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = number(s, 0, 4);
        int month = number(s, 5, 2);
        int day = number(s, 8, 2);
        int hour = number(s, 11, 2);
        int minute = number(s, 14, 2);
        int second = number(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > lengthOfMonth(year, month) || hour < 0 || hour > 23
                || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int at = 19;
        int nanos = 0;
        if (s.charAt(at) == '.') {
            int start = ++at;
            while (at < n && at - start < 10 && isDigit(s.charAt(at))) {
                nanos = nanos * 10 + (s.charAt(at) - '0');
                at++;
            }
            int count = at - start;
            if (count < 1 || count > 9) {
                return null;
            }
            nanos *= POWERS[9 - count];
        }
        if (at >= n) {
            return null;
        }
        int offsetSeconds;
        char c = s.charAt(at);
        if ((c | 0x20) == 'z' && at + 1 == n) {
            offsetSeconds = 0;
        } else if ((c == '+' || c == '-') && at + 6 == n && s.charAt(at + 3) == ':') {
            int oh = number(s, at + 1, 2);
            int om = number(s, at + 4, 2);
            if (oh < 0 || oh > 17 || om < 0 || om > 59) {
                return null;
            }
            offsetSeconds = (c == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return null;
        }
        long epochDay = epochDay(year, month, day);
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600L + minute * 60L + second - offsetSeconds, nanos);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The decimal number in {@code s[from, from + width)}, or -1 when a character there is not a digit. */
    private static int number(String s, int from, int width) {
        int v = 0;
        for (int i = from; i < from + width; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static int lengthOfMonth(int year, int month) {
        return switch (month) {
            case 2 -> IsoChronology.INSTANCE.isLeapYear(year) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days from 1970-01-01 (H. Hinnant's days-from-civil). */
    private static long epochDay(int year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}
