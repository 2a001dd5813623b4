package dev.kmb.log.spi;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A record as read back from a partition: its offset, timestamp, key, value and headers.
 * Arrays are not copied; treat them as immutable.
 */
public final class LogEntry {

    private final long offset;
    private final long timestamp;
    private final byte[] key;
    private final byte[] value;
    private final List<Header> headers;

    public LogEntry(long offset, long timestamp, Optional<byte[]> key, byte[] value, List<Header> headers) {
        this(offset, timestamp, key.orElse(null), value, headers);
    }

    LogEntry(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
        this.headers = headers;
    }

    /** Factory for log implementations that decode keys as nullable arrays. */
    public static LogEntry decoded(long offset, long timestamp, byte[] keyOrNull, byte[] value, List<Header> headers) {
        return new LogEntry(offset, timestamp, keyOrNull, value, List.copyOf(headers));
    }

    public long offset() {
        return offset;
    }

    public long timestamp() {
        return timestamp;
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

    /** The first header of that name, if any. */
    public Optional<byte[]> header(String name) {
        for (Header h : headers) {
            if (h.name().equals(name)) {
                return Optional.of(h.value());
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogEntry e && offset == e.offset && timestamp == e.timestamp
                && Arrays.equals(key, e.key) && Arrays.equals(value, e.value) && headers.equals(e.headers);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(offset) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "LogEntry[offset=" + offset + ", timestamp=" + timestamp + ", value=" + value.length + " bytes]";
    }
}
