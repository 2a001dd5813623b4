package dev.kmb.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.LogRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Kill -9 a process that is appending, then recover its directory: every acknowledged append is there with
 * its exact bytes, whatever else survived is whole and correct, and appends continue at the end. A process
 * crash leaves the page cache intact, so {@code durable} acks must survive it as well as {@code persistent}.
 * The directory is kept when a round fails.
 */
class CrashRecoveryTest {

    private static final int WRITERS = 4;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    /** One acknowledged append as the child reported it. */
    private record Ack(long base, int count, int writer, long seq) {
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @CsvSource({"persistent, 1", "persistent, 2", "persistent, 3", "durable, 4", "durable, 5"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyAcknowledgedAppendSurvivesKillDashNine(String durability, long seed) throws Exception {
        Random rnd = new Random(seed);
        int killAfterAcks = 100 + rnd.nextInt(900);
        String context = durability + " seed " + seed + ", kill after " + killAfterAcks + " acks, dir " + dir;
        Path data = dir.resolve("data");
        Path stderr = dir.resolve("child.err");
        Path logback = dir.resolve("logback-child.xml");
        Files.writeString(logback, """
                <configuration>
                  <appender name="ERR" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="ERR"/></root>
                </configuration>
                """);
        Path ackFile = dir.resolve("acks.txt");
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process child = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=" + logback, "-cp", System.getProperty("java.class.path"),
                CrashAppender.class.getName(), data.toString(), durability, Long.toString(seed), Integer.toString(WRITERS),
                ackFile.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile())
                .start();
        AckFile acks = new AckFile(ackFile);
        try {
            Await.until(context + ": " + killAfterAcks + " acks (child stderr in " + stderr + ")", Duration.ofSeconds(30),
                    () -> acks.readNew() >= killAfterAcks || !child.isAlive());
            assertThat(child.isAlive()).as("%s: child still running before the kill; stderr:%n%s", context, readQuietly(stderr)).isTrue();
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hooks, no clean close
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("%s: child died", context).isTrue();
        }
        acks.readNew(); // what the child wrote between the last poll and the kill
        assertThat(data.resolve(LogFiles.CLEAN_SHUTDOWN)).as("a killed process leaves no clean-shutdown marker").doesNotExist();

        try (EmbeddedLog log = EmbeddedLog.open(CrashAppender.config(data))) {
            long end = log.endOffset(CrashAppender.TP);
            long lastAcked = acks.stream().mapToLong(a -> a.base() + a.count()).max().orElseThrow();
            assertThat(end).as("%s: end offset covers every ack (%d acks)", context, acks.size()).isGreaterThanOrEqualTo(lastAcked);

            // every record in the recovered log is whole and belongs where it is; index it by offset
            List<LogEntry> all = ExpectedLog.readAll(log, CrashAppender.TP, 0, 2000);
            assertThat(all).as(context).hasSize((int) end);
            for (LogEntry e : all) {
                String[] id = new String(e.key().orElseThrow(), StandardCharsets.UTF_8).substring(1).split("-");
                int writer = Integer.parseInt(id[0]);
                long seq = Long.parseLong(id[1]);
                int index = Integer.parseInt(id[2]);
                assertThat(e.value()).as("%s: value at offset %d (%s)", context, e.offset(), String.join("-", id))
                        .isEqualTo(CrashAppender.value(seed, writer, seq, index));
            }
            for (Ack a : acks) {
                List<LogRecord> sent = CrashAppender.batch(seed, a.writer(), a.seq());
                assertThat(a.count()).isEqualTo(sent.size());
                for (int i = 0; i < a.count(); i++) {
                    LogEntry e = all.get((int) (a.base() + i));
                    String what = context + ": acked record " + i + " of w" + a.writer() + "-" + a.seq() + " at offset " + (a.base() + i);
                    assertThat(e.key().orElseThrow()).as(what).isEqualTo(CrashAppender.key(a.writer(), a.seq(), i));
                    assertThat(e.value()).as(what).isEqualTo(sent.get(i).value());
                }
            }
            System.out.printf("%s: %d acks up to offset %d, recovered end %d in %d segments%n",
                    context, acks.size(), lastAcked, end, log.segmentsOf(CrashAppender.TP).size());
            AppendResult r = log.append(CrashAppender.TP, List.of(LogRecord.of("after the crash".getBytes(StandardCharsets.UTF_8)))).join();
            assertThat(r).isInstanceOfSatisfying(AppendResult.Appended.class, a -> assertThat(a.baseOffset()).isEqualTo(end));
        }
    }

    /** The acks the child has written so far, read on from where the last read stopped; only whole lines count. */
    private static final class AckFile implements Iterable<Ack> {
        private final Path file;
        private final List<Ack> acks = new ArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        private long position;

        AckFile(Path file) {
            this.file = file;
        }

        /** Reads what was appended since the last call and answers how many acks are known. */
        int readNew() {
            if (!Files.exists(file)) {
                return 0;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                int n;
                while ((n = ch.read(buf, position)) > 0) {
                    position += n;
                    partial.append(new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
                    buf.clear();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                String[] f = partial.substring(0, nl).split(" ");
                partial.delete(0, nl + 1);
                if (f.length == 6 && f[0].equals("ACK") && f[5].equals(".")) { // a line cut by the kill has no "."
                    acks.add(new Ack(Long.parseLong(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]), Long.parseLong(f[4])));
                }
            }
            return acks.size();
        }

        int size() {
            return acks.size();
        }

        Stream<Ack> stream() {
            return acks.stream();
        }

        @Override
        public Iterator<Ack> iterator() {
            return acks.iterator();
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
