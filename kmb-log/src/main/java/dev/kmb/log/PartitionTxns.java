package dev.kmb.log;

import dev.kmb.log.spi.TxnMarker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The transaction state of one partition, Kafka's producer state and aborted-transaction index in one: the open
 * transactions (producer id → first offset, which bounds the last stable offset) and the aborted ranges readers
 * skip. Rebuilt on open from a snapshot file plus a scan of the batches written after it.
 *
 * <p>Thread-safety: changed under the partition lock only; readers take {@link #firstOpenOffset()} and
 * {@link #isAborted} without a lock (both read one volatile field). Crash behaviour: the snapshot is written
 * atomically; it describes the log below its {@code up_to} offset, which is on the device when it is written, so a
 * recovery scan from there finds every transactional batch and marker written later.
 *
 * <pre>
 * transactions snapshot file "transactions.snapshot", version 1. Integers are big-endian.
 *   0  4  magic        "KMBT"
 *   4  1  version      1
 *   5  8  up_to        the state holds every batch below this offset
 *  13  4  open_count   then open_count × (8 producer_id, 8 first_offset)
 *   …  4  abort_count  then abort_count × (8 producer_id, 8 first_offset, 8 last_offset = the ABORT marker's offset)
 *   …  4  crc          CRC32C of every byte before it
 * </pre>
 */
final class PartitionTxns {

    static final String SNAPSHOT_FILE = "transactions.snapshot";
    private static final int MAGIC = 0x4b4d4254; // "KMBT"
    private static final byte VERSION = 1;

    /** An aborted transaction's range on this partition: records of {@code producerId} in it are skipped. */
    record Aborted(long producerId, long firstOffset, long lastOffset) {
    }

    /** A snapshot of the state as of {@code upTo}. */
    record Snapshot(long upTo, Map<Long, Long> open, List<Aborted> aborted) {
    }

    private static final Aborted[] NONE = new Aborted[0];

    private final Map<Long, Long> open = new HashMap<>(); // under the partition lock
    private volatile long firstOpen = Long.MAX_VALUE;
    private volatile Aborted[] aborted = NONE; // by last offset; copy on write
    private boolean used;

    /** True once a transactional batch was seen here (then a snapshot file exists). */
    boolean used() {
        return used;
    }

    void markUsed() {
        used = true;
    }

    /** The first offset of the oldest open transaction, or {@link Long#MAX_VALUE}. */
    long firstOpenOffset() {
        return firstOpen;
    }

    /** True when any range was aborted here: readers then check transactional batches. */
    boolean anyAborted() {
        return aborted.length > 0;
    }

    /** Whether a transactional batch of {@code producerId} at {@code offset} belongs to an aborted transaction. */
    boolean isAborted(long producerId, long offset) {
        Aborted[] a = aborted;
        int lo = 0;
        int hi = a.length;
        while (lo < hi) { // first range whose last offset is at or after the batch
            int mid = (lo + hi) >>> 1;
            if (a[mid].lastOffset() < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (int i = lo; i < a.length; i++) {
            if (a[i].producerId() == producerId && a[i].firstOffset() <= offset) {
                return true;
            }
        }
        return false;
    }

    /** A transactional data batch was written at {@code offset}. */
    void onData(long producerId, long offset) {
        used = true;
        if (open.putIfAbsent(producerId, offset) == null && offset < firstOpen) {
            firstOpen = offset;
        }
    }

    /** A marker for {@code producerId} was written at {@code offset}. */
    void onMarker(long producerId, TxnMarker marker, long offset) {
        used = true;
        Long first = open.remove(producerId);
        if (first == null) {
            return; // nothing of it here (a marker written again by a roll-forward)
        }
        if (marker == TxnMarker.ABORT) {
            Aborted[] next = Arrays.copyOf(aborted, aborted.length + 1);
            next[next.length - 1] = new Aborted(producerId, first, offset);
            aborted = next; // markers come in offset order: stays sorted by last offset
        }
        firstOpen = open.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
    }

    /** Forgets aborted ranges wholly below {@code startOffset} (retention removed them). */
    void pruneBelow(long startOffset) {
        Aborted[] a = aborted;
        int keep = 0;
        while (keep < a.length && a[keep].lastOffset() < startOffset) {
            keep++;
        }
        if (keep > 0) {
            aborted = Arrays.copyOfRange(a, keep, a.length);
        }
    }

    /** The open transactions: producer id → first offset (a copy; partition lock held). */
    Map<Long, Long> open() {
        return Map.copyOf(open);
    }

    Snapshot snapshot(long upTo) {
        return new Snapshot(upTo, Map.copyOf(open), List.of(aborted));
    }

    void restore(Snapshot s) {
        open.clear();
        open.putAll(s.open());
        aborted = s.aborted().toArray(NONE);
        firstOpen = open.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
        used = true;
    }

    // ---------------------------------------------------------------- file

    static void write(Path partitionDir, Snapshot s) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 8 + 4 + s.open().size() * 16 + 4 + s.aborted().size() * 24 + 4);
        b.putInt(MAGIC).put(VERSION).putLong(s.upTo()).putInt(s.open().size());
        s.open().forEach((pid, first) -> b.putLong(pid).putLong(first));
        b.putInt(s.aborted().size());
        for (Aborted a : s.aborted()) {
            b.putLong(a.producerId()).putLong(a.firstOffset()).putLong(a.lastOffset());
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        LogFiles.writeAtomically(partitionDir.resolve(SNAPSHOT_FILE), b.array());
    }

    static boolean exists(Path partitionDir) {
        return Files.exists(partitionDir.resolve(SNAPSHOT_FILE));
    }

    /** The stored snapshot; empty when there is none or it is damaged (then recovery scans the whole partition). */
    static Optional<Snapshot> read(Path partitionDir) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(partitionDir.resolve(SNAPSHOT_FILE));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            if (bytes.length < 21) {
                return Optional.empty();
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 4);
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.getInt(bytes.length - 4) != (int) crc.getValue() || b.getInt() != MAGIC || b.get() != VERSION) {
                return Optional.empty();
            }
            long upTo = b.getLong();
            int openCount = b.getInt();
            Map<Long, Long> open = new HashMap<>();
            for (int i = 0; i < openCount; i++) {
                open.put(b.getLong(), b.getLong());
            }
            int abortCount = b.getInt();
            List<Aborted> aborted = new ArrayList<>(abortCount);
            for (int i = 0; i < abortCount; i++) {
                aborted.add(new Aborted(b.getLong(), b.getLong(), b.getLong()));
            }
            return Optional.of(new Snapshot(upTo, open, aborted));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
