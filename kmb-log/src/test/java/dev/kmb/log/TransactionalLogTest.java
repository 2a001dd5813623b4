package dev.kmb.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import dev.kmb.log.spi.TxnMarker;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Transactions in the embedded log: markers, the last stable offset, aborted records skipped, recovery. */
class TransactionalLogTest {

    private static final TopicName TOPIC = TopicName.of("txn.test");
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dir;

    private static EmbeddedLogConfig config(Path dir) {
        return EmbeddedLogConfig.builder(dir).segmentBytes(2048).indexIntervalBytes(128).build();
    }

    private static List<LogRecord> values(String... values) {
        List<LogRecord> out = new ArrayList<>();
        for (String v : values) {
            out.add(LogRecord.of(v.getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static long plain(EmbeddedLog log, String... v) {
        return ((AppendResult.Appended) log.append(TP, values(v)).join()).baseOffset();
    }

    private static long txn(EmbeddedLog log, long pid, String... v) {
        return ((AppendResult.Appended) log.appendTransactional(TP, values(v), pid).join()).baseOffset();
    }

    private static long marker(EmbeddedLog log, long pid, TxnMarker m) {
        return ((AppendResult.Appended) log.writeTxnMarker(TP, pid, m).join()).baseOffset();
    }

    /** Every readable record from {@code from}, as "offset:value", reading in small steps. */
    private static List<String> readAll(EmbeddedLog log, long from) {
        List<String> out = new ArrayList<>();
        long next = from;
        while (true) {
            ReadResult.Records r = (ReadResult.Records) log.read(TP, next, 2, 64);
            for (LogEntry e : r.entries()) {
                out.add(e.offset() + ":" + new String(e.value(), StandardCharsets.UTF_8));
            }
            if (r.nextOffset() == next) {
                return out;
            }
            next = r.nextOffset();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Durability.class)
    void openTransactionHoldsTheStableOffsetUntilItsCommitMarker(Durability durability) {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir))) {
            log.createTopic(TOPIC, TopicSpec.defaults().withDurability(durability));
            plain(log, "a", "b");
            assertThat(txn(log, 7, "t1", "t2")).isEqualTo(2);
            assertThat(plain(log, "c")).isEqualTo(4);
            assertThat(log.endOffset(TP)).as("LSO = first offset of the open transaction").isEqualTo(2);
            assertThat(log.highWatermark(TP)).isEqualTo(5);
            assertThat(log.openTransactions(TP)).containsEntry(7L, 2L);
            assertThat(readAll(log, 0)).containsExactly("0:a", "1:b");
            ReadResult.Records past = (ReadResult.Records) log.read(TP, 3, 10, 1 << 20);
            assertThat(past.entries()).as("nothing at or past the LSO is served").isEmpty();

            assertThat(marker(log, 7, TxnMarker.COMMIT)).isEqualTo(5);
            assertThat(log.endOffset(TP)).isEqualTo(6);
            assertThat(log.openTransactions(TP)).isEmpty();
            assertThat(readAll(log, 0)).containsExactly("0:a", "1:b", "2:t1", "3:t2", "4:c");
            ReadResult.Records tail = (ReadResult.Records) log.read(TP, 5, 10, 1 << 20);
            assertThat(tail.entries()).as("the control record is skipped").isEmpty();
            assertThat(tail.nextOffset()).isEqualTo(6);
        }
    }

    @Test
    void abortedRecordsAndMarkersAreSkippedAndReadersMoveOnToLaterRecords() {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir))) {
            log.createTopic(TOPIC, TopicSpec.defaults().withDurability(Durability.DURABLE));
            txn(log, 1, "x1");
            txn(log, 2, "y1");
            txn(log, 1, "x2", "x3");
            plain(log, "p");
            assertThat(log.endOffset(TP)).isZero();
            marker(log, 1, TxnMarker.ABORT); // offset 5
            assertThat(log.endOffset(TP)).as("the other transaction still holds the LSO").isEqualTo(1);
            assertThat(readAll(log, 0)).isEmpty();
            marker(log, 2, TxnMarker.COMMIT); // offset 6
            plain(log, "q");
            assertThat(log.endOffset(TP)).isEqualTo(8);
            assertThat(readAll(log, 0)).containsExactly("1:y1", "4:p", "7:q");
            ReadResult.Records fromAborted = (ReadResult.Records) log.read(TP, 2, 10, 1);
            assertThat(fromAborted.entries()).extracting(LogEntry::offset)
                    .as("a read from inside an aborted range goes on to the next readable record").containsExactly(4L);
        }
    }

    @Test
    void manyAbortedBatchesPastTheByteBudgetStillLeadToTheNextRecord() {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir))) {
            log.createTopic(TOPIC, TopicSpec.defaults().withDurability(Durability.DURABLE));
            for (int i = 0; i < 50; i++) {
                txn(log, 3, "aborted-" + i);
            }
            marker(log, 3, TxnMarker.ABORT);
            long p = plain(log, "after");
            ReadResult.Records r = (ReadResult.Records) log.read(TP, 0, 10, 100);
            assertThat(r.entries()).extracting(LogEntry::offset).containsExactly(p);
        }
    }

    @Test
    void stateSurvivesACleanReopenAndAnOpenTransactionCanStillCommit() {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir))) {
            log.createTopic(TOPIC, TopicSpec.defaults());
            txn(log, 4, "aborted");
            marker(log, 4, TxnMarker.ABORT);
            plain(log, "p");
            txn(log, 5, "open");
        }
        try (EmbeddedLog log = EmbeddedLog.open(config(dir))) {
            assertThat(log.openTransactions(TP)).containsExactly(java.util.Map.entry(5L, 3L));
            assertThat(log.endOffset(TP)).isEqualTo(3);
            assertThat(readAll(log, 0)).containsExactly("2:p");
            marker(log, 5, TxnMarker.COMMIT);
            assertThat(readAll(log, 0)).containsExactly("2:p", "3:open");
        }
    }

    @Test
    void afterACrashTheStateIsRebuiltFromTheRolledSnapshotAndTheScan() throws IOException {
        Path source = dir.resolve("source");
        Path image = dir.resolve("image");
        List<String> expected = new ArrayList<>();
        EmbeddedLog log = EmbeddedLog.open(config(source));
        try {
            log.createTopic(TOPIC, TopicSpec.defaults().withDurability(Durability.DURABLE));
            long first = txn(log, 9, "long-open");
            for (int i = 0; i < 40; i++) { // several segments: the open transaction starts in a rolled one
                txn(log, 10 + i, "aborted-" + i);
                marker(log, 10 + i, TxnMarker.ABORT);
                long o = plain(log, "p" + i);
                expected.add(o + ":p" + i);
            }
            assertThat(log.segmentsOf(TP)).hasSizeGreaterThan(3);
            long activeBase = log.segmentsOf(TP).getLast().baseOffset();
            Path partDir = source.resolve(TOPIC.value()).resolve("0");
            Await.until("the recovery point reaches the active segment", Duration.ofSeconds(10),
                    () -> recoveryPoint(partDir) == activeBase);
            copyWhileOpen(source, image);
            assertThat(log.endOffset(TP)).isEqualTo(first);
        } finally {
            log.close();
        }
        assertThat(image.resolve(LogFiles.CLEAN_SHUTDOWN)).doesNotExist();
        try (EmbeddedLog recovered = EmbeddedLog.open(config(image))) {
            assertThat(recovered.openTransactions(TP)).containsOnlyKeys(9L);
            assertThat(recovered.endOffset(TP)).isZero();
            marker(recovered, 9, TxnMarker.ABORT);
            assertThat(readAll(recovered, 0)).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void aTornCommitMarkerLeavesTheTransactionOpenAndItCanBeRolledForward() throws IOException {
        long markerOffset;
        try (EmbeddedLog log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir).build())) {
            log.createTopic(TOPIC, TopicSpec.defaults());
            plain(log, "p");
            txn(log, 11, "t");
            markerOffset = marker(log, 11, TxnMarker.COMMIT);
            assertThat(readAll(log, 0)).containsExactly("0:p", "1:t");
        }
        Path partDir = dir.resolve(TOPIC.value()).resolve("0");
        Path segment = LogFiles.logFile(partDir, 0);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 3); // the marker's last bytes never reached the disk
        }
        Files.delete(dir.resolve(LogFiles.CLEAN_SHUTDOWN)); // as after a crash
        Files.delete(partDir.resolve(PartitionTxns.SNAPSHOT_FILE));
        PartitionTxns.write(partDir, new PartitionTxns.Snapshot(1, java.util.Map.of(), List.of())); // the first-use one
        Files.deleteIfExists(partDir.resolve(LogFiles.RECOVERY_POINT));
        try (EmbeddedLog log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir).build())) {
            assertThat(log.highWatermark(TP)).isEqualTo(markerOffset);
            assertThat(log.openTransactions(TP)).containsOnlyKeys(11L);
            assertThat(readAll(log, 0)).containsExactly("0:p");
            marker(log, 11, TxnMarker.COMMIT);
            assertThat(readAll(log, 0)).containsExactly("0:p", "1:t");
        }
        assertThat(LogInspector.verify(dir).damage()).isEmpty();
        List<LogEntry> dumped = new ArrayList<>();
        assertThat(LogInspector.dump(dir, TOPIC, 0, 0, 100, dumped::add)).isNull();
        assertThat(dumped).extracting(e -> e.header(LogInspector.DUMP_PRODUCER_ID).map(String::new).orElse("-"))
                .as("a dump shows every record, transactional ones with their producer id").containsExactly("-", "11", "11");
        assertThat(dumped.get(2).header(LogInspector.DUMP_MARKER).map(String::new)).hasValue("commit");
    }

    @Test
    void aSnapshotAheadOfACutLogIsDistrustedAndThePartitionScannedWhole() throws IOException {
        try (EmbeddedLog log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir).build())) {
            log.createTopic(TOPIC, TopicSpec.defaults());
            txn(log, 21, "aborted");
            marker(log, 21, TxnMarker.ABORT);
            txn(log, 22, "t");
            marker(log, 22, TxnMarker.COMMIT); // the snapshot written at close says: nothing open up to offset 4
        }
        Path partDir = dir.resolve(TOPIC.value()).resolve("0");
        try (FileChannel ch = FileChannel.open(LogFiles.logFile(partDir, 0), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 1); // the last marker is torn: the log now ends below the snapshot's offset
        }
        Files.delete(dir.resolve(LogFiles.CLEAN_SHUTDOWN));
        Files.deleteIfExists(partDir.resolve(LogFiles.RECOVERY_POINT));
        try (EmbeddedLog log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir).build())) {
            assertThat(log.highWatermark(TP)).isEqualTo(3);
            assertThat(log.openTransactions(TP)).as("rebuilt by a whole scan").containsOnlyKeys(22L);
            assertThat(log.endOffset(TP)).isEqualTo(2);
            marker(log, 22, TxnMarker.COMMIT);
            assertThat(readAll(log, 0)).as("the aborted one stays skipped").containsExactly("2:t");
        }
    }

    /** A crash image of a live log: a file the flusher renames away mid-walk means walk again (a crash could see either). */
    private static void copyWhileOpen(Path source, Path image) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                LogCorruptionTest.copyTree(source, image);
                return;
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
                if (attempt == 10) {
                    throw e;
                }
                LogCorruptionTest.deleteTree(image);
            }
        }
    }

    private static long recoveryPoint(Path partDir) {
        try {
            return RecoveryCheckpoint.read(partDir).orElse(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void aLogThatNeverSawATransactionWritesNoSnapshotAndReadsAsBefore() {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir))) {
            log.createTopic(TOPIC, TopicSpec.defaults());
            for (int i = 0; i < 30; i++) {
                plain(log, "v" + i);
            }
        }
        assertThat(dir.resolve(TOPIC.value()).resolve("0").resolve(PartitionTxns.SNAPSHOT_FILE)).doesNotExist();
        try (EmbeddedLog log = EmbeddedLog.open(config(dir))) {
            assertThat(readAll(log, 0)).hasSize(30);
            assertThat(log.endOffset(TP)).isEqualTo(log.highWatermark(TP)).isEqualTo(30);
        }
    }
}
