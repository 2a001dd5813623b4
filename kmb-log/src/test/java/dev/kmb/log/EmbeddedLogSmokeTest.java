package dev.kmb.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogException;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedLogSmokeTest {

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void appendedRecordsReadBackInOrderAndSurviveReopen() {
        TopicName topic = TopicName.of("orders.created");
        TopicPartition tp = new TopicPartition(topic, 0);
        EmbeddedLogConfig config = EmbeddedLogConfig.builder(dir).segmentBytes(4096).indexIntervalBytes(256).build();
        try (EmbeddedLog log = EmbeddedLog.open(config)) {
            log.createTopic(topic, TopicSpec.defaults().withDurability(Durability.PERSISTENT));
            for (int i = 0; i < 200; i++) {
                AppendResult r = log.append(tp, List.of(LogRecord.of(utf8("k" + i), utf8("value-" + i)))).join();
                assertThat(r).isInstanceOf(AppendResult.Appended.class);
                assertThat(((AppendResult.Appended) r).baseOffset()).isEqualTo(i);
            }
            assertThat(log.segmentsOf(tp)).hasSizeGreaterThan(1);
        }
        try (EmbeddedLog log = EmbeddedLog.open(config)) {
            assertThat(log.endOffset(tp)).isEqualTo(200);
            List<String> values = new ArrayList<>();
            long next = 0;
            while (next < 200) {
                ReadResult.Records r = (ReadResult.Records) log.read(tp, next, 37, 1000);
                r.entries().forEach(e -> values.add(new String(e.value(), StandardCharsets.UTF_8)));
                next = r.nextOffset();
            }
            assertThat(values).hasSize(200);
            for (int i = 0; i < 200; i++) {
                assertThat(values.get(i)).isEqualTo("value-" + i);
            }
            ReadResult.Records mid = (ReadResult.Records) log.read(tp, 123, 1, 1 << 20);
            assertThat(mid.entries().get(0).offset()).isEqualTo(123);
            assertThat(mid.entries().get(0).key()).hasValueSatisfying(k -> assertThat(k).isEqualTo(utf8("k123")));
        }
    }

    @Test
    void secondOpenOfTheSameDirectoryNamesTheOwner() {
        EmbeddedLogConfig config = EmbeddedLogConfig.builder(dir).build();
        try (EmbeddedLog log = EmbeddedLog.open(config)) {
            assertThatThrownBy(() -> EmbeddedLog.open(config))
                    .isInstanceOf(LogException.class)
                    .hasMessageContaining("in use by process " + ProcessHandle.current().pid());
        }
    }
}
