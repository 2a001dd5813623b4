package dev.kmb.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * The reference model of one partition: every acknowledged batch with the records a reader must get back,
 * and the stored size of each batch (for max_bytes checks). Not thread-safe.
 */
final class ExpectedLog {

    /** One acknowledged batch: its base offset, the entries a read must return, and its size on disk. */
    record Batch(long baseOffset, List<LogEntry> entries, int storedSize) {
        long nextOffset() {
            return baseOffset + entries.size();
        }

        long maxTimestamp() {
            return entries.stream().mapToLong(LogEntry::timestamp).max().orElseThrow();
        }
    }

    private final Compression compression;
    private final List<Batch> batches = new ArrayList<>();
    private final List<LogEntry> entries = new ArrayList<>();
    private long start;

    ExpectedLog(Compression compression) {
        this.compression = compression;
    }

    /** Records an acknowledged append of {@code records} (timestamps resolved the way the log does). */
    void add(AppendResult.Appended appended, List<LogRecord> records) {
        assertThat(appended.baseOffset()).as("base offset of the next append").isEqualTo(end());
        assertThat(appended.count()).isEqualTo(records.size());
        List<LogEntry> batch = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            batch.add(entryOf(appended.baseOffset() + i, appended.timestamp(), records.get(i)));
        }
        int stored = RecordBatch.encode(records, appended.timestamp(), compression, -1, 0).remaining();
        batches.add(new Batch(appended.baseOffset(), List.copyOf(batch), stored));
        entries.addAll(batch);
    }

    static LogEntry entryOf(long offset, long appendTime, LogRecord r) {
        long ts = r.timestamp() == LogRecord.APPEND_TIME ? appendTime : r.timestamp();
        return LogEntry.decoded(offset, ts, r.key().orElse(null), r.value(), r.headers());
    }

    /** Forgets everything below {@code offset} (a batch boundary), as retention or a recovery cut does. */
    void truncateBefore(long offset) {
        start = Math.max(start, offset);
    }

    /** Forgets everything from {@code offset} on (a recovery cut at a batch boundary). */
    void truncateFrom(long offset) {
        batches.removeIf(b -> b.baseOffset() >= offset);
        assertThat(end()).as("cut must fall on a batch boundary").isEqualTo(offset);
        entries.subList((int) offset, entries.size()).clear();
    }

    long start() {
        return start;
    }

    long end() {
        return entries.size();
    }

    List<Batch> batches() {
        return batches;
    }

    List<LogEntry> entries() {
        return entries;
    }

    /** Entries from {@code from} (inclusive) to the end. */
    List<LogEntry> from(long from) {
        return entries.subList((int) from, entries.size());
    }

    Batch batchOf(long offset) {
        for (Batch b : batches) {
            if (offset >= b.baseOffset() && offset < b.nextOffset()) {
                return b;
            }
        }
        throw new IllegalArgumentException("no batch holds offset " + offset);
    }

    /** First retained offset whose timestamp is at or after {@code ts}, as offsetForTimestamp must answer. */
    OptionalLong offsetForTimestamp(long ts) {
        for (int i = (int) start; i < entries.size(); i++) {
            if (entries.get(i).timestamp() >= ts) {
                return OptionalLong.of(i);
            }
        }
        return OptionalLong.empty();
    }

    /** Asserts the log holds exactly the retained records, read in chunks of varying size. */
    void assertMatches(MessageLog log, TopicPartition tp, String context) {
        assertThat(log.startOffset(tp)).as("%s: start offset", context).isEqualTo(start);
        assertThat(log.endOffset(tp)).as("%s: end offset", context).isEqualTo(end());
        assertThat(describe(readAll(log, tp, start, 97)))
                .as("%s: records from the start offset", context)
                .containsExactlyElementsOf(describe(from(start)));
    }

    /** Reads every record from {@code from} to the current end offset, {@code maxRecords} at a time. */
    static List<LogEntry> readAll(MessageLog log, TopicPartition tp, long from, int maxRecords) {
        List<LogEntry> out = new ArrayList<>();
        long next = from;
        long end = log.endOffset(tp);
        while (next < end) {
            ReadResult r = log.read(tp, next, maxRecords, 1 << 20);
            assertThat(r).as("read from %d", next).isInstanceOf(ReadResult.Records.class);
            ReadResult.Records records = (ReadResult.Records) r;
            assertThat(records.entries()).as("read from %d below end %d returns something", next, end).isNotEmpty();
            out.addAll(records.entries());
            next = records.nextOffset();
        }
        return out;
    }

    /** A readable, comparable form of entries: offset, timestamp, key, value digest and headers. */
    static List<String> describe(List<LogEntry> entries) {
        List<String> out = new ArrayList<>(entries.size());
        for (LogEntry e : entries) {
            out.add(describe(e));
        }
        return out;
    }

    static String describe(LogEntry e) {
        StringBuilder sb = new StringBuilder();
        sb.append("offset=").append(e.offset()).append(" ts=").append(e.timestamp());
        sb.append(" key=").append(e.key().map(ExpectedLog::digest).orElse("null"));
        sb.append(" value=").append(digest(e.value()));
        for (Header h : e.headers()) {
            sb.append(" h[").append(h.name()).append("]=").append(digest(h.value()));
        }
        return sb.toString();
    }

    private static String digest(byte[] bytes) {
        if (bytes.length <= 16) {
            return "'" + HexFormat.of().formatHex(bytes) + "'";
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return bytes.length + "B/crc" + Long.toHexString(crc.getValue());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
