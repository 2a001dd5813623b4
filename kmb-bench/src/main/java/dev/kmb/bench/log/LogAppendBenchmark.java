package dev.kmb.bench.log;

import dev.kmb.core.TopicName;
import dev.kmb.log.EmbeddedLog;
import dev.kmb.log.EmbeddedLogConfig;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Append throughput of one partition of the embedded log, beside a raw {@code FileChannel.write} (+
 * {@code force(false)} per append for {@code persistent}) of the same bytes from the same number of threads.
 *
 * <p>Each JMH thread is one appender that waits for its append to complete (for {@code persistent}: for the
 * group commit that covers it). Appender counts are fixed per method with {@code @Threads} (1, 8, 64), as
 * JMH threads cannot be a {@code @Param}; {@code -t} on the command line would override all of them. The
 * primary score is appends/s; the aux counters {@code records} and {@code bytes} are records/s and bytes
 * written to the log per second (encoded batches: 51-byte batch header + 22 bytes per record + values).
 *
 * <p>Each trial gets a fresh directory, deleted at teardown. Segments are 256 MiB and byte retention keeps
 * 512 MiB, so rolls (and retention on roll) happen every few seconds at full speed while disk use stays
 * under ~800 MiB; the raw baseline rolls and deletes its files the same way.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class LogAppendBenchmark {

    static final int SEGMENT_BYTES = 256 * 1024 * 1024;
    static final long RETAINED_BYTES = 2L * SEGMENT_BYTES;

    /** What each append carries and what it must survive. */
    @State(Scope.Benchmark)
    public static class Workload {
        @Param({"100", "1024"})
        public int messageBytes;

        @Param({"1", "100"})
        public int batch;

        @Param({"durable", "persistent"})
        public String durability;

        List<LogRecord> records;
        ByteBuffer encoded;
        boolean persistent;

        @Setup(Level.Trial)
        public void setUp() {
            records = BenchRecords.batch(batch, messageBytes, 42);
            encoded = BenchRecords.encoded(records);
            persistent = Durability.fromWireName(durability) == Durability.PERSISTENT;
        }
    }

    /** One embedded log with one single-partition topic of the workload's durability. */
    @State(Scope.Benchmark)
    public static class Kmb {
        ScratchDir dir;
        EmbeddedLog log;
        TopicPartition partition;

        @Setup(Level.Trial)
        public void open(Workload w) {
            dir = ScratchDir.create("kmb-append-");
            log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir.path())
                    .segmentBytes(SEGMENT_BYTES)
                    .fileDeleteDelay(Duration.ZERO)
                    .build());
            TopicName topic = TopicName.of("bench");
            log.createTopic(topic, new TopicSpec(1, Durability.fromWireName(w.durability),
                    new Retention(Retention.UNLIMITED, Retention.UNLIMITED, RETAINED_BYTES), Compression.NONE));
            partition = new TopicPartition(topic, 0);
        }

        AppendResult append(Workload w, LogCounters n) {
            AppendResult r = log.append(partition, w.records).join();
            if (!(r instanceof AppendResult.Appended a)) {
                throw new IllegalStateException("append did not go through: " + r);
            }
            n.records += a.count();
            n.bytes += w.encoded.remaining();
            return r;
        }

        @TearDown(Level.Trial)
        public void close() {
            try {
                log.close();
            } finally {
                dir.close();
            }
        }
    }

    /** The raw baseline: the same bytes written at the end of a plain file. */
    @State(Scope.Benchmark)
    public static class Raw {
        ScratchDir dir;
        RawAppendFile file;

        @Setup(Level.Trial)
        public void open() {
            dir = ScratchDir.create("kmb-append-raw-");
            file = new RawAppendFile(dir.path(), SEGMENT_BYTES, RETAINED_BYTES);
        }

        int append(Workload w, LogCounters n) throws IOException {
            file.append(w.encoded.duplicate(), w.persistent);
            n.records += w.batch;
            n.bytes += w.encoded.remaining();
            return w.batch;
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            try {
                file.close();
            } finally {
                dir.close();
            }
        }
    }

    @Benchmark
    @Threads(1)
    public AppendResult appenders01_kmb(Workload w, Kmb log, LogCounters n) {
        return log.append(w, n);
    }

    @Benchmark
    @Threads(1)
    public int appenders01_raw(Workload w, Raw raw, LogCounters n) throws IOException {
        return raw.append(w, n);
    }

    @Benchmark
    @Threads(8)
    public AppendResult appenders08_kmb(Workload w, Kmb log, LogCounters n) {
        return log.append(w, n);
    }

    @Benchmark
    @Threads(8)
    public int appenders08_raw(Workload w, Raw raw, LogCounters n) throws IOException {
        return raw.append(w, n);
    }

    @Benchmark
    @Threads(64)
    public AppendResult appenders64_kmb(Workload w, Kmb log, LogCounters n) {
        return log.append(w, n);
    }

    @Benchmark
    @Threads(64)
    public int appenders64_raw(Workload w, Raw raw, LogCounters n) throws IOException {
        return raw.append(w, n);
    }
}
