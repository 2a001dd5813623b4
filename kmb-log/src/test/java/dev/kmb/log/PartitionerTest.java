package dev.kmb.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.Partitioner;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys land on the partition Kafka's default partitioner picks, so both backends agree. */
class PartitionerTest {

    private static final long SEED = 0x5eed_2024L;

    @Test
    void murmur2AndToPositiveAgreeWithKafkaBitForBit() {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 20_000; i++) {
            byte[] key = randomKey(rnd, i);
            assertThat(Partitioner.murmur2(key)).as("murmur2 of %s (seed %d)", hex(key), SEED).isEqualTo(Utils.murmur2(key));
            int n = rnd.nextInt();
            assertThat(Partitioner.toPositive(n)).as("toPositive(%d)", n).isEqualTo(Utils.toPositive(n));
        }
        for (int n : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertThat(Partitioner.toPositive(n)).as("toPositive(%d)", n).isEqualTo(Utils.toPositive(n));
        }
        assertThat(Partitioner.murmur2(new byte[0])).isEqualTo(Utils.murmur2(new byte[0]));
    }

    @Test
    void partitionForKeyIsKafkasDefaultPartitioner() {
        Random rnd = new Random(SEED + 1);
        for (int i = 0; i < 20_000; i++) {
            byte[] key = randomKey(rnd, i);
            int partitions = 1 + rnd.nextInt(i % 2 == 0 ? 12 : 1024);
            int expected = Utils.toPositive(Utils.murmur2(key)) % partitions;
            assertThat(Partitioner.partitionForKey(key, partitions))
                    .as("partition of %s among %d (seed %d)", hex(key), partitions, SEED + 1).isEqualTo(expected);
        }
        // pinned values (Kafka's UtilsTest uses the same), so a change on both sides at once still shows
        assertThat(Partitioner.murmur2("21".getBytes(StandardCharsets.UTF_8))).isEqualTo(-973932308);
        assertThat(Partitioner.murmur2("foobar".getBytes(StandardCharsets.UTF_8))).isEqualTo(-790332482);
        assertThat(Partitioner.murmur2("a-little-bit-long-string".getBytes(StandardCharsets.UTF_8))).isEqualTo(-985981536);
        assertThat(Partitioner.murmur2("".getBytes(StandardCharsets.UTF_8))).isEqualTo(275646681);
    }

    @Test
    void theLogRoutesKeyedRecordsByKeyAndSpreadsUnkeyedOnes(@TempDir java.nio.file.Path dir) {
        TopicName topic = TopicName.of("routing");
        try (EmbeddedLog log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir).build())) {
            log.createTopic(topic, dev.kmb.log.spi.TopicSpec.defaults().withPartitions(7));
            Random rnd = new Random(SEED + 2);
            for (int i = 0; i < 1000; i++) {
                byte[] key = randomKey(rnd, i);
                assertThat(log.partitionFor(topic, LogRecord.of(key, new byte[0])))
                        .isEqualTo(Utils.toPositive(Utils.murmur2(key)) % 7);
            }
            int[] counts = new int[7];
            for (int i = 0; i < 70; i++) {
                counts[log.partitionFor(topic, LogRecord.of(new byte[0]))]++;
            }
            assertThat(counts).as("round-robin without a key").containsOnly(10);
        }
    }

    /** Empty, short (every tail length 0..3), medium and long keys. */
    private static byte[] randomKey(Random rnd, int i) {
        int length = switch (i % 5) {
            case 0 -> i % 4; // 0..3: every murmur2 tail case, and the empty key
            case 1 -> 4 + rnd.nextInt(16);
            case 2 -> 20 + rnd.nextInt(200);
            case 3 -> 1000 + rnd.nextInt(9000);
            default -> rnd.nextInt(64);
        };
        byte[] key = new byte[length];
        rnd.nextBytes(key);
        return key;
    }

    private static String hex(byte[] key) {
        return key.length > 32 ? key.length + " bytes starting " + HexFormat.of().formatHex(key, 0, 32) : "'" + HexFormat.of().formatHex(key) + "'";
    }
}
