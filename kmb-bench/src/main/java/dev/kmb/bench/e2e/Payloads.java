package dev.kmb.bench.e2e;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The benchmark payload, the same bytes for every system: {@code {"t":<System.nanoTime() at publish>,"p":"xxx…"}},
 * padded to the message size (a JSON object, so KMB carries it as is). The time lets the consumer measure
 * publish → receipt latency in the one JVM clock. Thread-safe (stateless).
 */
public final class Payloads {

    private static final String T_FIELD = "{\"t\":";
    private static final byte[] T_BYTES = T_FIELD.getBytes(StandardCharsets.US_ASCII);

    private Payloads() {
    }

    /** A payload of exactly {@code size} bytes (or the shortest that holds the time, when size is smaller). */
    public static byte[] of(long sentNanos, int size) {
        String head = T_FIELD + sentNanos + ",\"p\":\"";
        int pad = Math.max(0, size - head.length() - 2);
        byte[] out = new byte[head.length() + pad + 2];
        for (int i = 0; i < head.length(); i++) {
            out[i] = (byte) head.charAt(i);
        }
        Arrays.fill(out, head.length(), head.length() + pad, (byte) 'x');
        out[out.length - 2] = '"';
        out[out.length - 1] = '}';
        return out;
    }

    /** The publish time a payload carries, or -1 when it carries none. */
    public static long sentAt(byte[] payload) {
        if (payload.length < T_BYTES.length || !Arrays.equals(payload, 0, T_BYTES.length, T_BYTES, 0, T_BYTES.length)) {
            return -1;
        }
        long v = 0;
        for (int i = T_BYTES.length; i < payload.length; i++) {
            int c = payload[i];
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** The publish time in a payload that may sit inside a larger text: {@code …{"t":<nanos>,…}}, or -1. */
    public static long sentAt(String text) {
        int from = text.indexOf(T_FIELD);
        if (from < 0) {
            return -1;
        }
        long v = 0;
        for (int i = from + T_FIELD.length(); i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
