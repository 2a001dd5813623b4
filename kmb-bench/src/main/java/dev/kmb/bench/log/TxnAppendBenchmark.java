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
import dev.kmb.log.spi.TxnMarker;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Transactional against plain appends to one {@code durable} partition of the embedded log, same batch: the plain
 * append is the baseline. The transactional one appends batches under a producer id and ends the transaction with a
 * COMMIT marker every {@code batchesPerTxn} batches (the marker's cost is spread over them). One appender thread.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class TxnAppendBenchmark {

    /** A fresh log with one single-partition durable topic. */
    @State(Scope.Thread)
    public static class Log {
        @Param({"100"})
        public int batch;

        @Param({"100"})
        public int messageBytes;

        @Param({"10"})
        public int batchesPerTxn;

        ScratchDir dir;
        EmbeddedLog log;
        TopicPartition partition;
        List<LogRecord> records;
        long producerId = 1;
        int inTxn;

        @Setup(Level.Trial)
        public void open() {
            dir = ScratchDir.create("kmb-txn-append-");
            log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir.path()).segmentBytes(LogAppendBenchmark.SEGMENT_BYTES)
                    .fileDeleteDelay(Duration.ZERO).build());
            TopicName topic = TopicName.of("bench");
            log.createTopic(topic, new TopicSpec(1, Durability.DURABLE,
                    new Retention(Retention.UNLIMITED, Retention.UNLIMITED, LogAppendBenchmark.RETAINED_BYTES), Compression.NONE));
            partition = new TopicPartition(topic, 0);
            records = BenchRecords.batch(batch, messageBytes, 42);
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

    @Benchmark
    public AppendResult plain(Log l) {
        return l.log.append(l.partition, l.records).join();
    }

    @Benchmark
    public AppendResult transactional(Log l) {
        AppendResult r = l.log.appendTransactional(l.partition, l.records, l.producerId).join();
        if (++l.inTxn == l.batchesPerTxn) {
            l.log.writeTxnMarker(l.partition, l.producerId, TxnMarker.COMMIT).join();
            l.producerId++;
            l.inTxn = 0;
        }
        return r;
    }
}
