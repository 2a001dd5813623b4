package dev.kmb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.core.TopicName;
import dev.kmb.log.EmbeddedLog;
import dev.kmb.log.EmbeddedLogConfig;
import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LogCommandTest {

    @TempDir
    Path data;
    Path logDir;
    final TopicName topic = TopicName.of("agents.tasks");

    /** Exit code plus what the command printed. */
    record Run(int exit, String out, String err) {
    }

    static Run kmb(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = KmbCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @BeforeEach
    void writeLog() {
        logDir = data.resolve("log");
        try (EmbeddedLog log = EmbeddedLog.open(EmbeddedLogConfig.builder(logDir).build())) {
            log.createTopic(topic, TopicSpec.defaults().withPartitions(2));
            TopicPartition tp = new TopicPartition(topic, 1);
            for (int i = 0; i < 5; i++) {
                log.append(tp, List.of(LogRecord.of(Optional.of(("key-" + i).getBytes(StandardCharsets.UTF_8)),
                        ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                        List.of(new Header("trace", ("t" + i).getBytes(StandardCharsets.UTF_8))), LogRecord.APPEND_TIME))).join();
            }
        }
    }

    @Test
    void verifyOfAnIntactLogSummarisesEveryPartitionAndExitsZero() {
        Run run = kmb("log", "verify", data.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("agents.tasks").contains("verify: OK, 2 partition(s), 5 record(s)");
    }

    @Test
    void verifyReportsAFlippedByteAndExitsOne() throws IOException {
        Path segment;
        try (Stream<Path> files = Files.list(logDir.resolve("agents.tasks").resolve("1"))) {
            segment = files.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(f.length() - 3);
            int b = f.read();
            f.seek(f.length() - 3);
            f.write(b ^ 0x40);
        }
        Run run = kmb("log", "verify", logDir.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("DAMAGE: " + segment).contains("CRC mismatch").contains("verify: DAMAGED");
    }

    @Test
    void dumpPrintsRecordsAsJsonLinesFromTheGivenOffset() {
        Run run = kmb("log", "dump", data.toString(), "--topic", "agents.tasks", "--partition", "1", "--from", "3");
        assertThat(run.exit()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("{\"offset\":3,").contains("\"key\":\"key-3\"")
                .contains("\"headers\":{\"trace\":\"t3\"}").endsWith("\"value\":{\"n\":3}}");
        assertThat(lines.get(1)).startsWith("{\"offset\":4,");
    }

    @Test
    void toolsRefuseALogThatARunningBusHoldsAndNameItsProcess() {
        try (EmbeddedLog ignored = EmbeddedLog.open(EmbeddedLogConfig.builder(logDir).build())) {
            Run run = kmb("log", "verify", data.toString());
            assertThat(run.exit()).isEqualTo(2);
            assertThat(run.err()).contains("in use by process " + ProcessHandle.current().pid());
        }
    }

    @Test
    void badArgumentsExitTwoWithAMessage() {
        assertThat(kmb("log", "verify", data.resolve("nope").toString()).err()).contains("no such directory");
        assertThat(kmb("log", "verify", data.resolve("nope").toString()).exit()).isEqualTo(2);
        assertThat(kmb("log", "dump", data.toString(), "--topic", "bad topic!").exit()).isEqualTo(2);
        assertThat(kmb("log", "dump", data.toString()).exit()).isEqualTo(2); // --topic is required
    }
}
