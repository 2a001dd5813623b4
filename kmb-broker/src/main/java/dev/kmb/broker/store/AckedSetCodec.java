package dev.kmb.broker.store;

import dev.kmb.broker.spi.AckedRanges;
import dev.kmb.broker.spi.StateStoreException;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32C;

/**
 * The {@code cursors.acked_above} column: a cursor's acked offsets above its floor as compact, portable TEXT (the same
 * column type in SQLite and PostgreSQL, readable in a SQL shell, safe in a URL). Stateless and thread-safe.
 *
 * <p>Acks arrive mostly in order with a few slow messages holding the floor back, so the set is stored as runs of
 * consecutive offsets: a million acked offsets behind one stuck message cost a few bytes. No set is the empty string.
 * Otherwise the text is base64url without padding of:
 *
 * <pre>
 *  +---------+------------------------------------------------------+-----------------+
 *  | version | run 1: gap, length-1 | run 2: gap, length-1 | ...    | CRC32C          |
 *  | 1 byte  | unsigned LEB128 varints (1..10 bytes each)           | 4 bytes, big-e. |
 *  +---------+------------------------------------------------------+-----------------+
 *  gap = run start - previous end - 1, where the first run's "previous end" is the ack floor;
 *  the CRC covers the version and the varints.
 * </pre>
 *
 * Example: floor 100, acked {102, 103, 104, 110} is runs (1, 2) and (5, 0). The decoder rejects a wrong version, a
 * wrong CRC, a truncated varint and offsets past {@code Long.MAX_VALUE}: a cursor that lies would skip messages.
 */
final class AckedSetCodec {

    static final byte VERSION = 1;

    /** Decoding stops past this many offsets: a guard against a corrupt or hostile value, far above real windows. */
    static final int MAX_DECODED = 1 << 24;

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private AckedSetCodec() {
    }

    /** Encodes {@code acked}, every offset of which is &gt; {@code ackFloor}. */
    static String encode(long ackFloor, AckedRanges acked) {
        if (acked.isEmpty()) {
            return "";
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(8 + 4 * acked.rangeCount());
        out.write(VERSION);
        long previousEnd = ackFloor;
        for (int i = 0; i < acked.rangeCount(); i++) {
            long start = acked.start(i);
            if (start <= previousEnd) {
                throw new IllegalArgumentException("acked offsets must ascend above the floor " + ackFloor
                        + ", got " + start + " after " + previousEnd);
            }
            writeVarint(out, start - previousEnd - 1);
            writeVarint(out, acked.end(i) - start);
            previousEnd = acked.end(i);
        }
        byte[] body = out.toByteArray();
        byte[] framed = Arrays.copyOf(body, body.length + 4);
        int crc = crc(body, body.length);
        framed[body.length] = (byte) (crc >>> 24);
        framed[body.length + 1] = (byte) (crc >>> 16);
        framed[body.length + 2] = (byte) (crc >>> 8);
        framed[body.length + 3] = (byte) crc;
        return ENCODER.encodeToString(framed);
    }

    /**
     * Decodes what {@link #encode} wrote for the same floor.
     *
     * @throws StateStoreException when the text is not a valid encoding
     */
    static AckedRanges decodeRanges(long ackFloor, String text) {
        if (text.isEmpty()) {
            return AckedRanges.NONE;
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(text);
        } catch (IllegalArgumentException e) {
            throw corrupt("not base64url", e);
        }
        if (bytes.length < 1 + 2 + 4) {
            throw corrupt("too short (" + bytes.length + " bytes)", null);
        }
        int end = bytes.length - 4;
        int stored = ((bytes[end] & 0xff) << 24) | ((bytes[end + 1] & 0xff) << 16) | ((bytes[end + 2] & 0xff) << 8)
                | (bytes[end + 3] & 0xff);
        if (crc(bytes, end) != stored) {
            throw corrupt("CRC mismatch", null);
        }
        if (bytes[0] != VERSION) {
            throw corrupt("version " + bytes[0] + " is not supported (expected " + VERSION + ")", null);
        }
        long[] bounds = new long[16];
        int n = 0;
        long count = 0;
        long previousEnd = ackFloor;
        int[] position = {1};
        try {
            while (position[0] < end) {
                long gap = readVarint(bytes, position, end);
                long extra = readVarint(bytes, position, end);
                if (gap < 0 || extra < 0 || extra >= MAX_DECODED - count) {
                    throw corrupt("a run (gap " + gap + ", length " + extra + "+1) is out of range after "
                            + count + " offsets", null);
                }
                long start = Math.addExact(Math.addExact(previousEnd, 1), gap);
                long last = Math.addExact(start, extra);
                if (n > 0 && start == bounds[n - 1] + 1) {
                    bounds[n - 1] = last; // adjacent runs are one range
                } else {
                    if (n + 2 > bounds.length) {
                        bounds = Arrays.copyOf(bounds, bounds.length * 2);
                    }
                    bounds[n++] = start;
                    bounds[n++] = last;
                }
                count += extra + 1;
                previousEnd = last;
            }
        } catch (ArithmeticException e) {
            throw corrupt("offsets overflow", e);
        }
        return AckedRanges.ofBounds(Arrays.copyOf(bounds, n));
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long readVarint(byte[] bytes, int[] position, int end) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position[0] >= end) {
                throw corrupt("truncated varint", null);
            }
            byte b = bytes[position[0]++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw corrupt("varint longer than 10 bytes", null);
    }

    private static int crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    private static StateStoreException corrupt(String why, Throwable cause) {
        return new StateStoreException("corrupt acked_above value: " + why, cause);
    }
}
