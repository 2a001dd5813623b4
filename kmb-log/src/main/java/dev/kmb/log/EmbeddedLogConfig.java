package dev.kmb.log;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the embedded log, built with {@link #builder(Path)} and checked when built: a bad value fails
 * fast naming its key. Every default sits next to its key below. Immutable.
 */
public final class EmbeddedLogConfig {

    /** {@code segment_bytes}: roll to a new segment file past this size. */
    public static final int DEFAULT_SEGMENT_BYTES = 128 * 1024 * 1024;
    /** {@code segment_ms}: roll a segment older than this, so age-based retention can delete it. */
    public static final Duration DEFAULT_SEGMENT_AGE = Duration.ofDays(7);
    /** {@code index_interval_bytes}: one sparse index entry per this many bytes of batches. */
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
    /** {@code max_unflushed_bytes}: a persistent partition answers BackPressured past this many bytes awaiting fsync. */
    public static final long DEFAULT_MAX_UNFLUSHED_BYTES = 64L * 1024 * 1024;
    /** {@code max_batch_bytes}: the largest encoded batch one append may write. */
    public static final int DEFAULT_MAX_BATCH_BYTES = 64 * 1024 * 1024;
    /** {@code flush_threads}: threads running fsyncs for persistent partitions. */
    public static final int DEFAULT_FLUSH_THREADS = 2;
    /** {@code retention_check_interval}: how often age/size retention runs (it also runs on every roll). */
    public static final Duration DEFAULT_RETENTION_CHECK = Duration.ofSeconds(30);
    /** {@code file_delete_delay}: how long a retired segment stays readable for reads already under way. */
    public static final Duration DEFAULT_FILE_DELETE_DELAY = Duration.ofSeconds(10);
    /** {@code ephemeral_max_bytes}: memory an ephemeral partition may hold, whatever its retention says. */
    public static final long DEFAULT_EPHEMERAL_MAX_BYTES = 64L * 1024 * 1024;

    private final Path directory;
    private final int segmentBytes;
    private final Duration segmentAge;
    private final int indexIntervalBytes;
    private final long maxUnflushedBytes;
    private final int maxBatchBytes;
    private final int flushThreads;
    private final Duration retentionCheckInterval;
    private final Duration fileDeleteDelay;
    private final long ephemeralMaxBytes;
    private final Clock clock;

    private EmbeddedLogConfig(Builder b) {
        this.directory = b.directory;
        this.segmentBytes = b.segmentBytes;
        this.segmentAge = b.segmentAge;
        this.indexIntervalBytes = b.indexIntervalBytes;
        this.maxUnflushedBytes = b.maxUnflushedBytes;
        this.maxBatchBytes = b.maxBatchBytes;
        this.flushThreads = b.flushThreads;
        this.retentionCheckInterval = b.retentionCheckInterval;
        this.fileDeleteDelay = b.fileDeleteDelay;
        this.ephemeralMaxBytes = b.ephemeralMaxBytes;
        this.clock = b.clock;
    }

    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    public Path directory() {
        return directory;
    }

    public int segmentBytes() {
        return segmentBytes;
    }

    /** Segment size for ephemeral (memory) partitions: small enough that retention frees memory in steps. */
    int ephemeralSegmentBytes() {
        return (int) Math.max(64 * 1024, Math.min(segmentBytes, ephemeralMaxBytes / 8));
    }

    public long segmentMillis() {
        return segmentAge.toMillis();
    }

    public int indexIntervalBytes() {
        return indexIntervalBytes;
    }

    public long maxUnflushedBytes() {
        return maxUnflushedBytes;
    }

    public int maxBatchBytes() {
        return maxBatchBytes;
    }

    public int flushThreads() {
        return flushThreads;
    }

    public Duration retentionCheckInterval() {
        return retentionCheckInterval;
    }

    public Duration fileDeleteDelay() {
        return fileDeleteDelay;
    }

    public long ephemeralMaxBytes() {
        return ephemeralMaxBytes;
    }

    public Clock clock() {
        return clock;
    }

    /** Builds a config; {@link #build()} validates every value. Not thread-safe. */
    public static final class Builder {
        private final Path directory;
        private int segmentBytes = DEFAULT_SEGMENT_BYTES;
        private Duration segmentAge = DEFAULT_SEGMENT_AGE;
        private int indexIntervalBytes = DEFAULT_INDEX_INTERVAL_BYTES;
        private long maxUnflushedBytes = DEFAULT_MAX_UNFLUSHED_BYTES;
        private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private int flushThreads = DEFAULT_FLUSH_THREADS;
        private Duration retentionCheckInterval = DEFAULT_RETENTION_CHECK;
        private Duration fileDeleteDelay = DEFAULT_FILE_DELETE_DELAY;
        private long ephemeralMaxBytes = DEFAULT_EPHEMERAL_MAX_BYTES;
        private Clock clock = Clock.systemUTC();

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        public Builder segmentBytes(int v) {
            segmentBytes = v;
            return this;
        }

        public Builder segmentAge(Duration v) {
            segmentAge = v;
            return this;
        }

        public Builder indexIntervalBytes(int v) {
            indexIntervalBytes = v;
            return this;
        }

        public Builder maxUnflushedBytes(long v) {
            maxUnflushedBytes = v;
            return this;
        }

        public Builder maxBatchBytes(int v) {
            maxBatchBytes = v;
            return this;
        }

        public Builder flushThreads(int v) {
            flushThreads = v;
            return this;
        }

        public Builder retentionCheckInterval(Duration v) {
            retentionCheckInterval = v;
            return this;
        }

        public Builder fileDeleteDelay(Duration v) {
            fileDeleteDelay = v;
            return this;
        }

        public Builder ephemeralMaxBytes(long v) {
            ephemeralMaxBytes = v;
            return this;
        }

        public Builder clock(Clock v) {
            clock = Objects.requireNonNull(v, "clock");
            return this;
        }

        public EmbeddedLogConfig build() {
            require(segmentBytes >= 1024, "segment_bytes", segmentBytes, "at least 1024");
            require(indexIntervalBytes >= 1, "index_interval_bytes", indexIntervalBytes, "at least 1");
            require(maxBatchBytes >= 1024 && maxBatchBytes <= RecordBatch.MAX_BATCH_SIZE, "max_batch_bytes", maxBatchBytes,
                    "in 1024.." + RecordBatch.MAX_BATCH_SIZE);
            require(maxUnflushedBytes >= 1, "max_unflushed_bytes", maxUnflushedBytes, "at least 1");
            require(flushThreads >= 1 && flushThreads <= 64, "flush_threads", flushThreads, "in 1..64");
            require(ephemeralMaxBytes >= 64 * 1024, "ephemeral_max_bytes", ephemeralMaxBytes, "at least 65536");
            require(!segmentAge.isNegative() && !segmentAge.isZero(), "segment_ms", segmentAge, "positive");
            require(!retentionCheckInterval.isNegative() && !retentionCheckInterval.isZero(), "retention_check_interval",
                    retentionCheckInterval, "positive");
            require(!fileDeleteDelay.isNegative(), "file_delete_delay", fileDeleteDelay, "zero or positive");
            return new EmbeddedLogConfig(this);
        }

        private static void require(boolean ok, String key, Object value, String rule) {
            if (!ok) {
                throw new IllegalArgumentException("log." + key + " = " + value + " is invalid: must be " + rule);
            }
        }
    }
}
