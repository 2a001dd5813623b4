package dev.kmb.log.spi;

import java.time.Duration;

/**
 * How much of a partition is kept. Each limit is {@link #UNLIMITED} (-1) or positive. Whole segments are
 * deleted, oldest first, once the rest of the partition still satisfies the limit, so a partition may
 * briefly hold a little more than a limit says, never less.
 *
 * @param maxAgeMillis records older than this (by timestamp) may be deleted
 * @param maxMessages  at most this many records are kept (at segment granularity)
 * @param maxBytes     at most this many bytes of log are kept (at segment granularity)
 */
public record Retention(long maxAgeMillis, long maxMessages, long maxBytes) {

    /** No limit. */
    public static final long UNLIMITED = -1;

    /** Keeps everything. */
    public static final Retention FOREVER = new Retention(UNLIMITED, UNLIMITED, UNLIMITED);

    public Retention {
        check("max_age", maxAgeMillis);
        check("max_messages", maxMessages);
        check("max_bytes", maxBytes);
    }

    private static void check(String name, long value) {
        if (value != UNLIMITED && value <= 0) {
            throw new IllegalArgumentException("retention " + name + " must be positive or unlimited (-1), was " + value);
        }
    }

    /** A retention limited by age only. */
    public static Retention maxAge(Duration age) {
        return new Retention(age.toMillis(), UNLIMITED, UNLIMITED);
    }
}
