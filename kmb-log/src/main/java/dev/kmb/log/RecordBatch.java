package dev.kmb.log;

import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.CorruptRecordException;
import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The on-disk record batch: the one place its layout is defined. A batch is the unit of append, CRC,
 * compression and recovery; a flyweight over a {@link ByteBuffer} holding exactly one batch.
 *
 * <pre>
 * Record batch, format version (magic) 1. Integers are big-endian.
 *
 *  offset size field
 *  ------ ---- ----------------------------------------------------------------------------
 *     0     8  base_offset        offset of the first record; set under the partition lock,
 *                                 outside the CRC (recovery checks it is the expected next offset)
 *     8     4  batch_length       bytes after this field: total size = batch_length + 12
 *    12     1  magic              format version = 1
 *    13     4  crc                CRC32C of bytes [17, total size)
 *    17     2  attributes         bits 0-2 compression id, bit 4 transactional, bit 5 control
 *    19     4  last_offset_delta  record_count - 1
 *    23     8  first_timestamp    epoch millis of the first record
 *    31     8  max_timestamp      largest record timestamp in the batch
 *    39     8  producer_id        -1 when none (used by transactions)
 *    47     4  record_count
 *    51     …  records            record_count records, compressed as one block by the codec
 *
 * Record (inside the possibly compressed block):
 *     4  body_length   bytes after this field
 *     8  timestamp     epoch millis
 *     4  key_length    -1 when there is no key
 *     …  key
 *     4  value_length
 *     …  value
 *     2  header_count
 *     per header: 2 name_length, … name (UTF-8), 4 value_length, … value
 *
 * Transactions (same magic; batches written before transactions existed have neither bit and producer_id -1):
 *   a transactional batch has bit 4 set and the transaction's producer_id; a control batch (bits 4 and 5) holds
 *   one record ending a transaction on this partition, as Kafka's control records: its key is
 *     2 version = 0, 2 type (0 ABORT, 1 COMMIT)
 *   and its value is empty. Readers skip control batches and the batches of aborted transactions.
 * </pre>
 *
 * <p>Not thread-safe as a flyweight; the encoded bytes are immutable once written.
 */
public final class RecordBatch {

    public static final byte MAGIC = 1;

    static final int BASE_OFFSET = 0;
    static final int LENGTH = 8;
    static final int MAGIC_OFFSET = 12;
    static final int CRC = 13;
    static final int ATTRIBUTES = 17;
    static final int LAST_OFFSET_DELTA = 19;
    static final int FIRST_TIMESTAMP = 23;
    static final int MAX_TIMESTAMP = 31;
    static final int PRODUCER_ID = 39;
    static final int RECORD_COUNT = 47;

    /** Size of the batch header; records follow. */
    public static final int HEADER_SIZE = 51;
    /** Bytes before {@code batch_length} counts: base_offset and batch_length themselves. */
    public static final int LOG_OVERHEAD = 12;
    /** Largest batch accepted on read: a length field above it marks corruption, not a real batch. */
    public static final int MAX_BATCH_SIZE = 256 * 1024 * 1024;

    static final int COMPRESSION_MASK = 0x07;
    public static final int TRANSACTIONAL_FLAG = 0x10;
    public static final int CONTROL_FLAG = 0x20;

    private static final int RECORD_FIXED = 4 + 8 + 4 + 4 + 2;

    private final ByteBuffer buffer; // position 0 = batch start, limit = batch end

    private RecordBatch(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /** Wraps one whole batch starting at {@code buffer.position()}; does not check it (see {@link #check}). */
    public static RecordBatch wrap(ByteBuffer buffer) {
        ByteBuffer b = buffer.slice();
        b.limit(b.getInt(LENGTH) + LOG_OVERHEAD);
        return new RecordBatch(b);
    }

    // ---------------------------------------------------------------- encode

    /**
     * Encodes records as one batch with base offset 0 (patch it with {@link #setBaseOffset}). Records asking
     * for {@link LogRecord#APPEND_TIME} get {@code appendTime}.
     */
    public static ByteBuffer encode(List<LogRecord> records, long appendTime, Compression compression,
                                    long producerId, int flags) {
        int count = records.size();
        if (count == 0) {
            throw new IllegalArgumentException("a batch holds at least one record");
        }
        long rawSize = 0;
        for (int i = 0; i < count; i++) {
            rawSize += recordSize(records.get(i));
        }
        if (rawSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batch of " + rawSize + " bytes exceeds the limit " + MAX_BATCH_SIZE);
        }
        ByteBuffer raw = ByteBuffer.allocate((int) rawSize);
        long first = -1;
        long max = Long.MIN_VALUE;
        for (LogRecord r : records) {
            long ts = r.timestamp() == LogRecord.APPEND_TIME ? appendTime : r.timestamp();
            if (first < 0) {
                first = ts;
            }
            max = Math.max(max, ts);
            writeRecord(raw, r, ts);
        }
        raw.flip();
        ByteBuffer body = compression == Compression.NONE ? raw : ByteBuffer.wrap(BatchCodecs.compress(compression, raw));
        int total = HEADER_SIZE + body.remaining();
        ByteBuffer out = ByteBuffer.allocate(total);
        out.putLong(BASE_OFFSET, 0L);
        out.putInt(LENGTH, total - LOG_OVERHEAD);
        out.put(MAGIC_OFFSET, MAGIC);
        out.putShort(ATTRIBUTES, (short) ((compression.id() & COMPRESSION_MASK) | flags));
        out.putInt(LAST_OFFSET_DELTA, count - 1);
        out.putLong(FIRST_TIMESTAMP, first);
        out.putLong(MAX_TIMESTAMP, max);
        out.putLong(PRODUCER_ID, producerId);
        out.putInt(RECORD_COUNT, count);
        out.position(HEADER_SIZE);
        out.put(body);
        out.putInt(CRC, (int) crcOf(out, 0, total));
        out.position(0);
        return out;
    }

    /** Encodes the control batch ending transaction {@code producerId} with {@code marker} (base offset 0). */
    public static ByteBuffer encodeControl(long producerId, dev.kmb.log.spi.TxnMarker marker, long appendTime) {
        byte[] key = ByteBuffer.allocate(4).putShort((short) 0).putShort(marker.id()).array();
        return encode(List.of(LogRecord.of(key, new byte[0])), appendTime, Compression.NONE, producerId,
                TRANSACTIONAL_FLAG | CONTROL_FLAG);
    }

    /** Sets the base offset of an encoded batch (outside the CRC, so the CRC stays valid). */
    public static void setBaseOffset(ByteBuffer batch, long baseOffset) {
        batch.putLong(batch.position() + BASE_OFFSET, baseOffset);
    }

    private static int recordSize(LogRecord r) {
        if (r.headers().size() > Short.MAX_VALUE) {
            throw new IllegalArgumentException("a record holds at most " + Short.MAX_VALUE + " headers, not " + r.headers().size());
        }
        long size = RECORD_FIXED + r.key().map(k -> k.length).orElse(0) + (long) r.value().length;
        for (Header h : r.headers()) {
            int nameLength = utf8Length(h.name());
            if (nameLength > Short.MAX_VALUE) {
                throw new IllegalArgumentException("header name of " + nameLength + " bytes exceeds " + Short.MAX_VALUE);
            }
            size += 2 + nameLength + 4 + h.value().length;
        }
        if (size > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("record of " + size + " bytes exceeds the batch limit " + MAX_BATCH_SIZE);
        }
        return (int) size;
    }

    private static void writeRecord(ByteBuffer raw, LogRecord r, long ts) {
        int start = raw.position();
        raw.putInt(0); // body length, patched below
        raw.putLong(ts);
        byte[] key = r.key().orElse(null);
        if (key == null) {
            raw.putInt(-1);
        } else {
            raw.putInt(key.length).put(key);
        }
        raw.putInt(r.value().length).put(r.value());
        raw.putShort((short) r.headers().size());
        for (Header h : r.headers()) {
            byte[] name = h.name().getBytes(StandardCharsets.UTF_8);
            raw.putShort((short) name.length).put(name);
            raw.putInt(h.value().length).put(h.value());
        }
        raw.putInt(start, raw.position() - start - 4);
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static long crcOf(ByteBuffer batch, int start, int total) {
        CRC32C crc = new CRC32C();
        ByteBuffer region = batch.duplicate();
        region.limit(start + total).position(start + ATTRIBUTES);
        crc.update(region);
        return crc.getValue();
    }

    // ---------------------------------------------------------------- check

    /** What a scan found at one position of a segment. */
    public enum Status {
        /** A whole batch with a good CRC. */
        VALID,
        /** The bytes end before the batch does: a write cut short (expected at a crashed tail). */
        TORN,
        /** The bytes are there but wrong: bad length, magic, structure or CRC. */
        CORRUPT
    }

    /** The verdict on the batch at one position: its status, its size when valid, and why not otherwise. */
    public record Check(Status status, int size, String detail) {
        static final Check TORN_HEADER = new Check(Status.TORN, 0, "fewer bytes than a batch header");
    }

    /**
     * Checks the batch starting at {@code buffer.position()} against what is left in the buffer:
     * length bounds, magic, count agreement and CRC. Does not move the buffer.
     */
    public static Check check(ByteBuffer buffer) {
        int pos = buffer.position();
        int available = buffer.remaining();
        if (available < LOG_OVERHEAD) {
            return Check.TORN_HEADER;
        }
        int length = buffer.getInt(pos + LENGTH);
        if (length < HEADER_SIZE - LOG_OVERHEAD || length > MAX_BATCH_SIZE) {
            return new Check(Status.CORRUPT, 0, "batch length " + length + " is out of bounds");
        }
        int total = length + LOG_OVERHEAD;
        if (available < HEADER_SIZE) {
            return Check.TORN_HEADER;
        }
        byte magic = buffer.get(pos + MAGIC_OFFSET);
        if (magic != MAGIC) {
            return new Check(Status.CORRUPT, 0, "magic " + magic + " is not " + MAGIC);
        }
        if (available < total) {
            return new Check(Status.TORN, 0, "batch of " + total + " bytes but only " + available + " remain");
        }
        int count = buffer.getInt(pos + RECORD_COUNT);
        if (count < 1 || buffer.getInt(pos + LAST_OFFSET_DELTA) != count - 1) {
            return new Check(Status.CORRUPT, 0, "record count " + count + " disagrees with last offset delta");
        }
        long stored = Integer.toUnsignedLong(buffer.getInt(pos + CRC));
        long computed = crcOf(buffer, pos, total);
        if (stored != computed) {
            return new Check(Status.CORRUPT, 0,
                    "CRC mismatch: stored " + Long.toHexString(stored) + ", computed " + Long.toHexString(computed));
        }
        return new Check(Status.VALID, total, "");
    }

    // ---------------------------------------------------------------- read

    public long baseOffset() {
        return buffer.getLong(BASE_OFFSET);
    }

    public long lastOffset() {
        return baseOffset() + buffer.getInt(LAST_OFFSET_DELTA);
    }

    public long nextOffset() {
        return lastOffset() + 1;
    }

    public int sizeInBytes() {
        return buffer.getInt(LENGTH) + LOG_OVERHEAD;
    }

    public int recordCount() {
        return buffer.getInt(RECORD_COUNT);
    }

    public long firstTimestamp() {
        return buffer.getLong(FIRST_TIMESTAMP);
    }

    public long maxTimestamp() {
        return buffer.getLong(MAX_TIMESTAMP);
    }

    public long producerId() {
        return buffer.getLong(PRODUCER_ID);
    }

    public int attributes() {
        return buffer.getShort(ATTRIBUTES);
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL_FLAG) != 0;
    }

    public boolean isControl() {
        return (attributes() & CONTROL_FLAG) != 0;
    }

    /** The marker a control batch holds; throws {@link CorruptRecordException} when it is not one. */
    public dev.kmb.log.spi.TxnMarker controlMarker() {
        List<LogEntry> records = records();
        byte[] key = records.isEmpty() ? null : records.get(0).key().orElse(null);
        if (!isControl() || key == null || key.length != 4) {
            throw new CorruptRecordException("batch at offset " + baseOffset() + " is not a control batch");
        }
        try {
            return dev.kmb.log.spi.TxnMarker.fromId(ByteBuffer.wrap(key).getShort(2));
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException("control batch at offset " + baseOffset() + ": " + e.getMessage());
        }
    }

    public Compression compression() {
        return Compression.fromId(attributes() & COMPRESSION_MASK);
    }

    /**
     * Decodes the records with offsets at or above {@code fromOffset}, at most {@code max} of them, into
     * {@code out}. The caller has checked the CRC; a structure error still throws rather than serve garbage.
     *
     * @return how many records were added
     */
    public int decodeInto(List<LogEntry> out, long fromOffset, int max) {
        ByteBuffer body = buffer.duplicate();
        body.position(HEADER_SIZE);
        ByteBuffer raw;
        try {
            raw = compression() == Compression.NONE ? body.slice()
                    : ByteBuffer.wrap(BatchCodecs.decompress(compression(), body.slice()));
        } catch (RuntimeException e) {
            throw new CorruptRecordException("batch at offset " + baseOffset() + " does not decompress: " + e.getMessage());
        }
        long offset = baseOffset();
        int count = recordCount();
        int added = 0;
        try {
            for (int i = 0; i < count && added < max; i++, offset++) {
                int bodyLength = raw.getInt();
                int next = raw.position() + bodyLength;
                if (offset < fromOffset) {
                    raw.position(next);
                    continue;
                }
                long ts = raw.getLong();
                byte[] key = readBytes(raw, raw.getInt());
                byte[] value = readBytes(raw, raw.getInt());
                if (value == null) {
                    throw new CorruptRecordException("record " + offset + " has no value");
                }
                int headerCount = raw.getShort();
                List<Header> headers = headerCount == 0 ? List.of() : new ArrayList<>(headerCount);
                for (int h = 0; h < headerCount; h++) {
                    byte[] name = readBytes(raw, raw.getShort());
                    headers.add(new Header(new String(name, StandardCharsets.UTF_8), readBytes(raw, raw.getInt())));
                }
                if (raw.position() != next) {
                    throw new CorruptRecordException("record " + offset + " has a body length that disagrees with its fields");
                }
                out.add(LogEntry.decoded(offset, ts, key, value, headers));
                added++;
            }
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
            throw new CorruptRecordException("batch at offset " + baseOffset() + " has malformed records: " + e);
        }
        return added;
    }

    /** All records of the batch. */
    public List<LogEntry> records() {
        List<LogEntry> out = new ArrayList<>(recordCount());
        decodeInto(out, baseOffset(), Integer.MAX_VALUE);
        return out;
    }

    private static byte[] readBytes(ByteBuffer b, int length) {
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        return bytes;
    }
}
