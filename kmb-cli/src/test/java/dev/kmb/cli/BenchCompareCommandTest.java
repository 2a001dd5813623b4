package dev.kmb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCompareCommandTest {

    @TempDir
    Path out;

    private LogCommandTest.Run compare(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "bench";
        all[1] = "compare";
        all[2] = "--out";
        all[3] = out.toString();
        System.arraycopy(args, 0, all, 4, args.length);
        return LogCommandTest.kmb(all);
    }

    @Test
    void unknownSystemIsAUsageErrorNamingTheChoices() {
        LogCommandTest.Run r = compare("--systems", "kmb,pulsar");

        assertThat(r.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).contains("unknown system 'pulsar'", "kmb, kmb-persistent, kmb-kafka, nats, rabbitmq, redis, kafka");
    }

    @Test
    void repeatedAndEmptySystemsAreRefused() {
        assertThat(compare("--systems", "nats,nats").err()).contains("'nats' is listed twice");
        assertThat(compare("--systems", "nats,,redis").err()).contains("empty name");
    }

    @Test
    void badSizesDurationsAndCountsAreRefusedBeforeAnythingRuns() throws Exception {
        assertThat(compare("--size", "16B").err()).contains("--size must be 64 B .. 1 MiB");
        assertThat(compare("--size", "big").exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(compare("--duration", "0s").err()).contains("--duration must be positive");
        assertThat(compare("--warmup", "-1s").err()).contains("--warmup must not be negative");
        assertThat(compare("--prime", "-1s").err()).contains("--prime must not be negative");
        assertThat(compare("--publishers", "0").err()).contains("publishers");
        assertThat(compare("--kmb-durability", "ephemeral").err()).contains("--kmb-durability must be durable or persistent");
        try (var files = Files.list(out)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void kmbInKafkaModeRunsOnTheInProcessKafkaAndTheReportRendersAgain() throws Exception {
        LogCommandTest.Run r = compare("--systems", "kmb-kafka", "--duration", "1s", "--warmup", "0s", "--prime", "0s");

        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("kmb-kafka").doesNotContain("skipped");
        String stem = LocalDate.now(ZoneOffset.UTC) + "-compare-1KiB";
        assertThat(Files.readString(out.resolve(stem + ".json"))).contains("\"system\" : \"kmb-kafka\"");
        assertThat(Files.readString(out.resolve(stem + ".md"))).contains("| kmb-kafka |", "Command: `./kmb bench compare");
        assertThat(out.resolve(stem + ".png")).exists();

        Files.delete(out.resolve(stem + ".md"));
        LogCommandTest.Run again = LogCommandTest.kmb("bench", "compare", "--render", out.resolve(stem + ".json").toString());
        assertThat(again.exit()).isEqualTo(ExitCodes.OK);
        assertThat(again.out()).contains("kmb-kafka");
        assertThat(out.resolve(stem + ".md")).exists();
    }

    @Test
    void renderRefusesWhatIsNotAResult() throws Exception {
        assertThat(LogCommandTest.kmb("bench", "compare", "--render", out.resolve("missing.json").toString()).err())
                .contains("--render: no such file");
        Path bad = Files.writeString(out.resolve("bad.json"), "{\"lines\": 3}");
        LogCommandTest.Run r = LogCommandTest.kmb("bench", "compare", "--render", bad.toString());
        assertThat(r.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).contains("is not a kmb bench compare result");
    }
}
