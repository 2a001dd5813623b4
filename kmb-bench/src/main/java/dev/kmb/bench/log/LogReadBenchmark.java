package dev.kmb.bench.log;

import dev.kmb.core.TopicName;
import dev.kmb.log.EmbeddedLog;
import dev.kmb.log.EmbeddedLogConfig;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sequential read throughput of one partition of the embedded log from the page cache, beside a raw
 * {@code FileChannel.read} of its segment files in 1 MiB chunks.
 *
 * <p>The partition holds ~256 MiB of 1 KiB records appended in batches of 100 ({@code durable}, default
 * 128 MiB segments), closed and reopened so no write-back is under way. One reader calls
 * {@code read(tp, offset, 500, 1 MiB)} from offset 0 on, wrapping around at the end. The primary score is
 * reads/s; the aux counters are records/s and {@code bytes}: log bytes/s (batches as stored, so the same
 * measure as the raw read's file bytes; values are 1024 of every 1046.5 of them).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@Threads(1)
public class LogReadBenchmark {

    static final int VALUE_BYTES = 1024;
    static final int BATCH = 100;
    static final long FILL_BYTES = 256L * 1024 * 1024;
    static final int MAX_RECORDS = 500;
    static final int MAX_BYTES = 1 << 20;

    /** The pre-filled log, open, and the reader's position in it. */
    @State(Scope.Benchmark)
    public static class FilledLog {
        ScratchDir dir;
        EmbeddedLog log;
        TopicPartition partition;
        int batchBytes;
        long endOffset;
        long offset;

        @Setup(Level.Trial)
        public void fill() {
            dir = ScratchDir.create("kmb-read-");
            EmbeddedLogConfig config = EmbeddedLogConfig.builder(dir.path()).build();
            TopicName topic = TopicName.of("bench");
            partition = new TopicPartition(topic, 0);
            List<LogRecord> batch = BenchRecords.batch(BATCH, VALUE_BYTES, 7);
            batchBytes = BenchRecords.encoded(batch).remaining();
            try (EmbeddedLog filling = EmbeddedLog.open(config)) {
                filling.createTopic(topic, TopicSpec.defaults().withDurability(Durability.DURABLE));
                for (long written = 0; written < FILL_BYTES; written += batchBytes) {
                    if (!(filling.append(partition, batch).join() instanceof AppendResult.Appended)) {
                        throw new IllegalStateException("fill append did not go through");
                    }
                }
            }
            log = EmbeddedLog.open(config);
            endOffset = log.endOffset(partition);
        }

        /** Segment files of the partition in offset order (their names are 20-digit base offsets). */
        List<Path> segmentFiles() throws IOException {
            try (Stream<Path> files = Files.list(dir.path().resolve(partition.topic().value()).resolve("0"))) {
                return files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
            }
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

    /** The raw baseline: the same segment files, read in 1 MiB chunks into one direct buffer. */
    @State(Scope.Benchmark)
    public static class RawFiles {
        final List<FileChannel> channels = new ArrayList<>();
        final ByteBuffer chunk = ByteBuffer.allocateDirect(MAX_BYTES);
        int file;
        long position;

        @Setup(Level.Trial)
        public void open(FilledLog filled) throws IOException {
            for (Path f : filled.segmentFiles()) {
                channels.add(FileChannel.open(f, StandardOpenOption.READ));
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            for (FileChannel ch : channels) {
                ch.close();
            }
        }
    }

    @Benchmark
    public ReadResult read_kmb(FilledLog f, LogCounters n) {
        ReadResult r = f.log.read(f.partition, f.offset, MAX_RECORDS, MAX_BYTES);
        if (r instanceof ReadResult.Records records && !records.entries().isEmpty()) {
            int count = records.entries().size();
            n.records += count;
            n.bytes += (long) count * f.batchBytes / BATCH;
            f.offset = records.nextOffset() >= f.endOffset ? 0 : records.nextOffset();
        } else {
            throw new IllegalStateException("read at " + f.offset + " of " + f.endOffset + " found nothing: " + r);
        }
        return r;
    }

    @Benchmark
    public int read_raw(FilledLog f, RawFiles raw, LogCounters n) throws IOException {
        ByteBuffer chunk = raw.chunk.clear();
        int got = raw.channels.get(raw.file).read(chunk, raw.position);
        if (got <= 0) {
            raw.file = (raw.file + 1) % raw.channels.size();
            raw.position = 0;
            return 0;
        }
        raw.position += got;
        n.records += (long) got * BATCH / f.batchBytes;
        n.bytes += got;
        return chunk.get(0);
    }
}
