package dev.kmb.log;

import dev.kmb.log.spi.LogException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The sparse offset and time index of one segment, sampled every {@code index_interval_bytes} at batch
 * boundaries. Each entry maps a batch's relative offset to its file position, and records the largest
 * timestamp of every batch before it, so a time lookup can skip everything that is surely too old.
 *
 * <p>Kept in memory while the segment is open and written to {@code <base>.index} on roll and on clean
 * close. An index file is trusted only when its CRC is good and it describes the segment's current size;
 * otherwise it is rebuilt by scanning the segment (indexes are never trusted after a crash).
 *
 * <pre>
 * Index file, version 1. Integers are big-endian.
 *   0   4  magic            "KMBX"
 *   4   1  version          1
 *   5   8  base_offset      of the segment
 *  13   8  next_offset      offset after the segment's last batch
 *  21   8  segment_size     bytes of the .log file this index describes
 *  29   8  first_timestamp  of the segment's first batch, -1 when empty
 *  37   8  max_timestamp    largest record timestamp in the segment, -1 when empty
 *  45   4  entry_count
 *  49   …  entries, 16 bytes each:
 *            4 relative_offset   batch base offset - segment base offset
 *            4 position          of the batch in the .log file
 *            8 max_ts_before     largest timestamp of the batches before this one, -1 when none
 *   …   4  crc              CRC32C of every byte before it
 * </pre>
 *
 * <p>Thread-safety: one writer adds entries; readers see a consistent snapshot without locks.
 */
final class SegmentIndex {

    static final int MAGIC = 0x4b4d4258; // "KMBX"
    static final byte VERSION = 1;
    static final int HEADER = 49;
    static final int ENTRY = 16;

    /** An immutable view: arrays may be longer than {@code count}, entries past it are not yet published. */
    private record Entries(int[] relOffsets, int[] positions, long[] maxTsBefore, int count) {
    }

    /** What an index file says about its segment. */
    record Summary(long nextOffset, long segmentSize, long firstTimestamp, long maxTimestamp) {
    }

    private volatile Entries entries = new Entries(new int[64], new int[64], new long[64], 0);

    /** Adds an entry for the batch at {@code position}; writer only, positions strictly increasing. */
    void add(int relativeOffset, int position, long maxTimestampBefore) {
        Entries e = entries;
        int n = e.count;
        int[] rel = e.relOffsets;
        int[] pos = e.positions;
        long[] ts = e.maxTsBefore;
        if (n == rel.length) {
            int cap = n * 2;
            rel = Arrays.copyOf(rel, cap);
            pos = Arrays.copyOf(pos, cap);
            ts = Arrays.copyOf(ts, cap);
        }
        rel[n] = relativeOffset;
        pos[n] = position;
        ts[n] = maxTimestampBefore;
        entries = new Entries(rel, pos, ts, n + 1);
    }

    int size() {
        return entries.count;
    }

    /** An index entry: a batch's offset relative to the segment base, and its file position. */
    record Floor(int relativeOffset, int position) {
        static final Floor START = new Floor(0, 0);
    }

    /**
     * The last indexed batch starting at or before {@code relativeOffset}, else the segment start. One
     * snapshot answers both fields, so a reader never pairs a position with another entry's offset.
     */
    Floor floor(int relativeOffset) {
        Entries e = entries;
        return floorOf(e, lastWhere(e, i -> e.relOffsets[i] <= relativeOffset));
    }

    /**
     * Where a scan for the first record at or after {@code timestamp} may start: the last entry all of whose
     * predecessors are older than {@code timestamp}, else the segment start.
     */
    Floor floorForTimestamp(long timestamp) {
        Entries e = entries;
        return floorOf(e, lastWhere(e, i -> e.maxTsBefore[i] < timestamp));
    }

    private static Floor floorOf(Entries e, int i) {
        return i < 0 ? Floor.START : new Floor(e.relOffsets[i], e.positions[i]);
    }

    /** Binary search: the last entry for which {@code test} holds, given it holds for a prefix; -1 if none. */
    private static int lastWhere(Entries e, java.util.function.IntPredicate test) {
        int lo = 0;
        int hi = e.count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (test.test(mid)) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Entry {@code i} as (relative offset, position), for verification. */
    long[] entry(int i) {
        Entries e = entries;
        return new long[] {e.relOffsets[i], e.positions[i], e.maxTsBefore[i]};
    }

    // ------------------------------------------------------------------ file

    /** Writes the index file atomically (temp file, fsync, rename). */
    void writeTo(Path file, long baseOffset, Summary summary) throws IOException {
        Entries e = entries;
        ByteBuffer b = ByteBuffer.allocate(HEADER + e.count * ENTRY + 4);
        b.putInt(MAGIC).put(VERSION).putLong(baseOffset).putLong(summary.nextOffset()).putLong(summary.segmentSize())
                .putLong(summary.firstTimestamp()).putLong(summary.maxTimestamp()).putInt(e.count);
        for (int i = 0; i < e.count; i++) {
            b.putInt(e.relOffsets[i]).putInt(e.positions[i]).putLong(e.maxTsBefore[i]);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        LogFiles.writeAtomically(file, b.array());
    }

    /**
     * Loads an index file if it is intact and belongs to {@code baseOffset}; empty when it is missing,
     * damaged or of another version (the caller then rebuilds by scanning).
     */
    static Optional<Loaded> readFrom(Path file, long baseOffset) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new LogException("cannot read index " + file, e);
        }
        if (bytes.length < HEADER + 4) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != b.getInt(bytes.length - 4)) {
            return Optional.empty();
        }
        if (b.getInt() != MAGIC || b.get() != VERSION || b.getLong() != baseOffset) {
            return Optional.empty();
        }
        Summary summary = new Summary(b.getLong(), b.getLong(), b.getLong(), b.getLong());
        int count = b.getInt();
        if (count < 0 || bytes.length != HEADER + count * ENTRY + 4) {
            return Optional.empty();
        }
        SegmentIndex index = new SegmentIndex();
        for (int i = 0; i < count; i++) {
            index.add(b.getInt(), b.getInt(), b.getLong());
        }
        return Optional.of(new Loaded(index, summary));
    }

    /** An index read from its file, with what the file says of the segment. */
    record Loaded(SegmentIndex index, Summary summary) {
    }
}
