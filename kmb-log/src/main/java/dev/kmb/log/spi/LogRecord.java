package dev.kmb.log.spi;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A record to append: optional key (decides the partition and ordering), value bytes, headers, and a
 * timestamp in epoch millis. Arrays are not copied; treat them as immutable once handed over.
 */
public final class LogRecord {

    /** Timestamp value asking the log to stamp the record with its own clock on append. */
    public static final long APPEND_TIME = -1;

    private final byte[] key;
    private final byte[] value;
    private final List<Header> headers;
    private final long timestamp;

    private LogRecord(byte[] key, byte[] value, List<Header> headers, long timestamp) {
        this.key = key;
        this.value = Objects.requireNonNull(value, "value");
        this.headers = List.copyOf(headers);
        if (timestamp < APPEND_TIME) {
            throw new IllegalArgumentException("timestamp must be >= 0 (or APPEND_TIME), was " + timestamp);
        }
        this.timestamp = timestamp;
    }

    /** A record without key or headers, stamped on append. */
    public static LogRecord of(byte[] value) {
        return new LogRecord(null, value, List.of(), APPEND_TIME);
    }

    /** A keyed record without headers, stamped on append. */
    public static LogRecord of(byte[] key, byte[] value) {
        return new LogRecord(Objects.requireNonNull(key, "key"), value, List.of(), APPEND_TIME);
    }

    /** A record with every field; {@code key} may be empty, {@code timestamp} may be {@link #APPEND_TIME}. */
    public static LogRecord of(Optional<byte[]> key, byte[] value, List<Header> headers, long timestamp) {
        return new LogRecord(key.orElse(null), value, headers, timestamp);
    }

    public Optional<byte[]> key() {
        return Optional.ofNullable(key);
    }

    public byte[] value() {
        return value;
    }

    public List<Header> headers() {
        return headers;
    }

    /** Epoch millis, or {@link #APPEND_TIME}. */
    public long timestamp() {
        return timestamp;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogRecord r && Arrays.equals(key, r.key) && Arrays.equals(value, r.value)
                && headers.equals(r.headers) && timestamp == r.timestamp;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), headers, timestamp);
    }
}
