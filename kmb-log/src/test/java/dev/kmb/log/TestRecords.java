package dev.kmb.log;

import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Random but reproducible records: null, empty and binary keys, empty and 100 KiB values, unicode header names. */
final class TestRecords {

    static final int LARGE_VALUE = 100 * 1024;
    private static final String[] HEADER_NAMES = {"trace-id", "ключ", "名前", "emoji-🎉", "ünïcödé", "", "x"};

    private TestRecords() {
    }

    /** A batch of {@code count} records; {@code large} makes one of them carry a 100 KiB value. */
    static List<LogRecord> batch(Random rnd, int count, boolean large) {
        List<LogRecord> out = new ArrayList<>(count);
        int largeAt = large ? rnd.nextInt(count) : -1;
        for (int i = 0; i < count; i++) {
            out.add(record(rnd, i == largeAt ? LARGE_VALUE : -1, LogRecord.APPEND_TIME));
        }
        return out;
    }

    /** One record; {@code valueSize} -1 picks a small random size (sometimes 0). */
    static LogRecord record(Random rnd, int valueSize, long timestamp) {
        byte[] key = switch (rnd.nextInt(5)) {
            case 0, 1 -> null;
            case 2 -> new byte[0];
            default -> bytes(rnd, 1 + rnd.nextInt(40));
        };
        int size = valueSize >= 0 ? valueSize : (rnd.nextInt(6) == 0 ? 0 : rnd.nextInt(300));
        // large values are incompressible, so they fill segments whatever the codec
        byte[] value = rnd.nextBoolean() || size >= LARGE_VALUE ? bytes(rnd, size) : text(rnd, size);
        List<Header> headers = new ArrayList<>();
        int headerCount = rnd.nextInt(4);
        for (int h = 0; h < headerCount; h++) {
            String name = HEADER_NAMES[rnd.nextInt(HEADER_NAMES.length)];
            headers.add(new Header(name, rnd.nextInt(3) == 0 ? new byte[0] : bytes(rnd, 1 + rnd.nextInt(20))));
        }
        return LogRecord.of(Optional.ofNullable(key), value, headers, timestamp);
    }

    static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** Compressible text, so codecs actually shrink something. */
    static byte[] text(Random rnd, int n) {
        String words = "order customer shipped paid refund warehouse 🚚 größe ";
        StringBuilder sb = new StringBuilder(n + 16);
        while (sb.length() < n) {
            int from = rnd.nextInt(words.length() - 6);
            sb.append(words, from, from + 6);
        }
        byte[] utf8 = sb.toString().getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(utf8, n); // may cut a multi-byte char: values are opaque bytes
    }
}
