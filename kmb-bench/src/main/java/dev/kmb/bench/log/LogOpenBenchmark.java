package dev.kmb.bench.log;

import dev.kmb.core.TopicName;
import dev.kmb.log.EmbeddedLog;
import dev.kmb.log.EmbeddedLogConfig;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to open a ~1 GiB embedded log: after a clean close, and after a crash that tore the last batch,
 * with the recovery point present (only the active segment is scanned) and without it (every segment is
 * scanned). Each beside a raw baseline that does the least any implementation must: open the files and
 * read the index files (clean), or read and CRC32C the bytes a recovery has to scan (torn).
 *
 * <p>The log is built once per trial: 1 KiB records in batches of 100, {@code durable}, 128 MiB segments,
 * 8 full segments and a half-full active one (1.06 GiB), then closed cleanly. A torn copy is made for each
 * invocation: full segments are hard links (recovery only reads them), the active segment is copied cut in
 * the middle of its last batch, its index file is left out (as after a crash while it was active), and so is
 * {@code .clean-shutdown}; the {@code recovery-point} file is kept or left out. Every file is in the page
 * cache, as after a process crash (not a power loss). Disk use: ~1.1 GiB plus one 64 MiB copy.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(1)
public class LogOpenBenchmark {

    static final int VALUE_BYTES = 1024;
    static final int BATCH = 100;
    static final int SEGMENT_BYTES = 128 * 1024 * 1024;
    static final int FULL_SEGMENTS = 8;
    static final TopicName TOPIC = TopicName.of("bench");
    static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    /** The cleanly closed log, built once per trial, and what it should look like when opened. */
    @State(Scope.Benchmark)
    public static class BuiltLog {
        ScratchDir scratch;
        Path root;
        int batchBytes;
        long records;
        List<Path> segments;
        long[] segmentSizes;
        int copies;

        @Setup(Level.Trial)
        public void build() throws IOException {
            scratch = ScratchDir.create("kmb-open-");
            root = scratch.path().resolve("log");
            List<LogRecord> batch = BenchRecords.batch(BATCH, VALUE_BYTES, 11);
            batchBytes = BenchRecords.encoded(batch).remaining();
            int batchesPerSegment = SEGMENT_BYTES / batchBytes;
            int batches = FULL_SEGMENTS * batchesPerSegment + batchesPerSegment / 2;
            try (EmbeddedLog log = EmbeddedLog.open(config(root))) {
                log.createTopic(TOPIC, TopicSpec.defaults().withDurability(Durability.DURABLE));
                for (int i = 0; i < batches; i++) {
                    if (!(log.append(PARTITION, batch).join() instanceof AppendResult.Appended)) {
                        throw new IllegalStateException("build append did not go through");
                    }
                }
            }
            records = (long) batches * BATCH;
            segments = filesEndingWith(partitionDir(root), ".log");
            segmentSizes = new long[segments.size()];
            for (int i = 0; i < segmentSizes.length; i++) {
                segmentSizes[i] = Files.size(segments.get(i));
            }
            if (segments.size() != FULL_SEGMENTS + 1) {
                throw new IllegalStateException("expected " + (FULL_SEGMENTS + 1) + " segments, built " + segments);
            }
        }

        Path activeSegment() {
            return segments.getLast();
        }

        /** The offset a recovery must end at: the torn last batch is dropped. */
        long tornEndOffset() {
            return records - BATCH;
        }

        /**
         * Makes a torn copy of the log: links to the full segments, the active one cut mid-batch without its
         * index, no clean-shutdown marker, and the recovery point only when asked.
         */
        Path tornCopy(boolean withRecoveryPoint) throws IOException {
            for (int i = 0; i < segments.size(); i++) {
                if (Files.size(segments.get(i)) != segmentSizes[i]) {
                    throw new IllegalStateException(segments.get(i) + " changed size: the built log was modified");
                }
            }
            Path copy = scratch.path().resolve("torn-" + copies++);
            Path from = partitionDir(root);
            Path to = partitionDir(copy);
            Files.createDirectories(to);
            Files.copy(root.resolve(TOPIC.value()).resolve("topic.json"), copy.resolve(TOPIC.value()).resolve("topic.json"));
            if (withRecoveryPoint) {
                Files.copy(from.resolve("recovery-point"), to.resolve("recovery-point"));
            }
            for (Path segment : segments) {
                Path index = from.resolve(segment.getFileName().toString().replace(".log", ".index"));
                if (segment.equals(activeSegment())) {
                    copyPrefix(segment, to.resolve(segment.getFileName()), Files.size(segment) - batchBytes / 2);
                } else {
                    Files.createLink(to.resolve(segment.getFileName()), segment);
                    Files.copy(index, to.resolve(index.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            return copy;
        }

        @TearDown(Level.Trial)
        public void delete() {
            scratch.close();
        }
    }

    static EmbeddedLogConfig config(Path root) {
        return EmbeddedLogConfig.builder(root).segmentBytes(SEGMENT_BYTES).build();
    }

    static Path partitionDir(Path root) {
        return root.resolve(TOPIC.value()).resolve(Integer.toString(PARTITION.partition()));
    }

    static List<Path> filesEndingWith(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    static void copyPrefix(Path from, Path to, long bytes) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long done = 0;
            while (done < bytes) {
                done += in.transferTo(done, bytes - done, out);
            }
            out.force(true); // the torn file is on the device before the clock starts, as the rest of the log is
        }
    }

    /** The log a benchmark opened, closed after the invocation and checked against what it must hold. */
    public abstract static class Opened {
        EmbeddedLog log;
        Path copy;

        abstract long expectedEndOffset(BuiltLog built);

        void verifyAndClose(BuiltLog built) {
            try {
                if (log == null) {
                    return;
                }
                long end = log.endOffset(PARTITION);
                log.close();
                log = null;
                if (end != expectedEndOffset(built)) {
                    throw new IllegalStateException("opened log ends at " + end + ", expected " + expectedEndOffset(built));
                }
            } finally {
                if (copy != null) {
                    ScratchDir.deleteTree(copy);
                    copy = null;
                }
            }
        }
    }

    /** Opens the built log itself; closing it leaves it clean again for the next invocation. */
    @State(Scope.Thread)
    public static class Clean extends Opened {
        @Override
        long expectedEndOffset(BuiltLog built) {
            return built.records;
        }

        @TearDown(Level.Invocation)
        public void close(BuiltLog built) {
            verifyAndClose(built);
        }
    }

    /** A torn copy with its recovery point: recovery scans the active segment only. */
    @State(Scope.Thread)
    public static class TornWithRecoveryPoint extends Opened {
        @Setup(Level.Invocation)
        public void tear(BuiltLog built) throws IOException {
            copy = built.tornCopy(true);
        }

        @Override
        long expectedEndOffset(BuiltLog built) {
            return built.tornEndOffset();
        }

        @TearDown(Level.Invocation)
        public void close(BuiltLog built) {
            verifyAndClose(built);
        }
    }

    /** A torn copy without its recovery point: recovery scans every segment. */
    @State(Scope.Thread)
    public static class TornWithoutRecoveryPoint extends Opened {
        @Setup(Level.Invocation)
        public void tear(BuiltLog built) throws IOException {
            copy = built.tornCopy(false);
        }

        @Override
        long expectedEndOffset(BuiltLog built) {
            return built.tornEndOffset();
        }

        @TearDown(Level.Invocation)
        public void close(BuiltLog built) {
            verifyAndClose(built);
        }
    }

    // ------------------------------------------------------------------ clean shutdown

    @Benchmark
    public long clean_kmb(BuiltLog built, Clean s) {
        s.log = EmbeddedLog.open(config(built.root));
        return s.log.endOffset(PARTITION);
    }

    /** Opens every segment file read-write and reads every index file: what trusting the indexes needs. */
    @Benchmark
    public long clean_raw(BuiltLog built) throws IOException {
        long sum = 0;
        Path dir = partitionDir(built.root);
        for (Path segment : filesEndingWith(dir, ".log")) {
            try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                sum += ch.size();
            }
        }
        for (Path index : filesEndingWith(dir, ".index")) {
            sum += Files.readAllBytes(index).length;
        }
        return sum;
    }

    // ------------------------------------------------------------------ torn, recovery point present

    @Benchmark
    public long tornFromRecoveryPoint_kmb(TornWithRecoveryPoint s) {
        s.log = EmbeddedLog.open(config(s.copy));
        return s.log.endOffset(PARTITION);
    }

    /** Reads and CRCs the active segment (the part a recovery from the recovery point must scan). */
    @Benchmark
    public long tornFromRecoveryPoint_raw(BuiltLog built) throws IOException {
        return readAndChecksum(List.of(built.activeSegment()));
    }

    // ------------------------------------------------------------------ torn, no recovery point

    @Benchmark
    public long tornFullScan_kmb(TornWithoutRecoveryPoint s) {
        s.log = EmbeddedLog.open(config(s.copy));
        return s.log.endOffset(PARTITION);
    }

    /** Reads and CRCs every segment (the part a full-scan recovery must scan). */
    @Benchmark
    public long tornFullScan_raw(BuiltLog built) throws IOException {
        return readAndChecksum(built.segments);
    }

    static long readAndChecksum(List<Path> files) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        CRC32C crc = new CRC32C();
        for (Path f : files) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                long position = 0;
                int n;
                while ((n = ch.read(chunk.clear(), position)) > 0) {
                    position += n;
                    crc.update(chunk.flip());
                }
            }
        }
        return crc.getValue();
    }
}
