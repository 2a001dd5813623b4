package dev.kmb.bench.log;

import dev.kmb.log.RecordBatch;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.LogRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The records the log benchmarks append: random (incompressible) values of one size, no key, no headers,
 * stamped by the log. Immutable once built, so one batch may be appended again and again from any thread.
 */
final class BenchRecords {

    private BenchRecords() {
    }

    /** A batch of {@code count} records with {@code valueBytes}-byte values. */
    static List<LogRecord> batch(int count, int valueBytes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<LogRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] value = new byte[valueBytes];
            random.nextBytes(value);
            records.add(LogRecord.of(value));
        }
        return List.copyOf(records);
    }

    /**
     * The batch exactly as the embedded log lays it down on disk (header, records, CRC), with base offset 0:
     * what a raw baseline writes so that it moves the same bytes as the log. A heap buffer, as the log's own
     * is; callers write {@code duplicate()}s of it and never change its content.
     */
    static ByteBuffer encoded(List<LogRecord> batch) {
        return RecordBatch.encode(batch, System.currentTimeMillis(), Compression.NONE, -1, 0);
    }
}
