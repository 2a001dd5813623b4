package dev.kmb.log;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Semaphore;

/**
 * The child process of {@link CrashRecoveryTest}: appends to one partition from a few threads forever and
 * writes {@code ACK <base> <count> <writer> <seq> .} to its ack file once an append's future completed. A file,
 * not a pipe: what a killed process wrote to it is all there when the parent reads it, whatever else holds the
 * file open. Record content is a
 * pure function of (writer, seq, index) so the parent can check every byte. Exits when its stdin closes
 * (the parent died) or after a minute; the parent normally kills it with SIGKILL long before.
 *
 * <p>Usage: {@code CrashAppender <dir> <durability> <seed> <writers> <ack file>}
 */
public final class CrashAppender {

    static final TopicName TOPIC = TopicName.of("crash.test");
    static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    static final int SEGMENT_BYTES = 64 * 1024;

    private CrashAppender() {
    }

    static EmbeddedLogConfig config(Path dir) {
        return EmbeddedLogConfig.builder(dir).segmentBytes(SEGMENT_BYTES).indexIntervalBytes(1024).build();
    }

    /** The records writer {@code writer} sends as its append number {@code seq}. */
    static List<LogRecord> batch(long seed, int writer, long seq) {
        Random rnd = new Random(mix(seed, writer, seq, -1));
        int count = 1 + rnd.nextInt(8);
        List<LogRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add(LogRecord.of(Optional.of(key(writer, seq, i)), value(seed, writer, seq, i),
                    List.of(new Header("i", new byte[] {(byte) i})), LogRecord.APPEND_TIME));
        }
        return records;
    }

    static byte[] key(int writer, long seq, int index) {
        return ("w" + writer + "-" + seq + "-" + index).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(long seed, int writer, long seq, int index) {
        Random rnd = new Random(mix(seed, writer, seq, index));
        byte[] v = new byte[rnd.nextInt(3000)];
        rnd.nextBytes(v);
        return v;
    }

    private static long mix(long seed, int writer, long seq, int index) {
        long h = seed * 0x9E3779B97F4A7C15L + writer;
        h = h * 0xBF58476D1CE4E5B9L + seq;
        return h * 0x94D049BB133111EBL + index;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Durability durability = Durability.fromWireName(args[1]);
        long seed = Long.parseLong(args[2]);
        int writers = Integer.parseInt(args[3]);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(args[4], true), false, StandardCharsets.US_ASCII);
        watchParent();

        EmbeddedLog log = EmbeddedLog.open(config(dir));
        log.createTopic(TOPIC, new TopicSpec(1, durability, Retention.FOREVER, Compression.NONE));
        out.println("READY");
        out.flush();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> write(log, out, seed, writer), "writer-" + w);
            t.start();
        }
    }

    /** Appends with a few futures in flight; prints each ack after its future completed. */
    private static void write(EmbeddedLog log, PrintStream out, long seed, int writer) {
        Semaphore inFlight = new Semaphore(4);
        for (long seq = 0; ; seq++) {
            long s = seq;
            inFlight.acquireUninterruptibly();
            log.append(TP, batch(seed, writer, seq)).whenComplete((r, failure) -> {
                inFlight.release();
                if (r instanceof AppendResult.Appended a) {
                    synchronized (out) {
                        out.println("ACK " + a.baseOffset() + " " + a.count() + " " + writer + " " + s + " .");
                        out.flush();
                    }
                }
            });
        }
    }

    /** Exits when the parent goes away (stdin closes) or after a minute, so no child outlives a test run. */
    private static void watchParent() {
        Thread t = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent never writes; EOF means it is gone
                }
            } catch (IOException ignored) {
                // treat as gone
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watch");
        t.setDaemon(true);
        t.start();
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(60_000); // a deadline for an orphan, not synchronisation
            } catch (InterruptedException ignored) {
                // exit anyway
            }
            Runtime.getRuntime().halt(2);
        }, "deadline");
        timer.setDaemon(true);
        timer.start();
    }
}
