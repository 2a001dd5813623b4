package dev.kmb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.core.TopicName;
import dev.kmb.log.EmbeddedLog;
import dev.kmb.log.EmbeddedLogConfig;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real {@code ./kmb} launcher script (after {@code package} built the jar). */
class KmbLauncherIT {

    @TempDir
    Path data;

    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    record Run(int exit, String out) {
    }

    static Run launch(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("kmb").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("kmb %s finished", args).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void versionNamesTheBuild() throws Exception {
        Run run = launch("--version");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("kmb 0.1.0-SNAPSHOT");
    }

    @Test
    void logVerifyAndDumpWorkThroughTheLauncher() throws Exception {
        TopicName topic = TopicName.of("launcher.check");
        try (EmbeddedLog log = EmbeddedLog.open(EmbeddedLogConfig.builder(data.resolve("log")).build())) {
            log.createTopic(topic, TopicSpec.defaults());
            log.append(new TopicPartition(topic, 0), List.of(LogRecord.of("hello".getBytes(StandardCharsets.UTF_8)))).join();
        }
        Run verify = launch("log", "verify", data.toString());
        assertThat(verify.exit()).as(verify.out()).isZero();
        assertThat(verify.out()).contains("verify: OK, 1 partition(s), 1 record(s)");
        Run dump = launch("log", "dump", data.toString(), "--topic", "launcher.check");
        assertThat(dump.out()).contains("\"offset\":0").contains("\"value\":\"hello\"");
        assertThat(Files.exists(data.resolve("log").resolve(".clean-shutdown"))).isTrue();
    }
}
