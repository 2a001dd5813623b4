package dev.kmb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code kmb kafka-local}: start a real Kafka process, produce and consume through it with plain kafka-clients,
 * stop it. Slow (a JVM with a broker, ~5 s): needs {@code ./mvnw -q -pl kmb-kafka-local package} first.
 */
@Tag("slow")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KafkaLocalCommandTest {

    @TempDir
    Path data;

    record Run(int exit, String out, String err) {
    }

    static Run kmb(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = KmbCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @AfterEach
    void stopWhateverIsLeft() {
        kmb("kafka-local", "stop", "--data", data.toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void startProduceConsumeStop() throws Exception {
        int port = freePort();
        int controllerPort = freePort();
        Run start = kmb("kafka-local", "start", "--data", data.toString(), "--port", String.valueOf(port),
                "--controller-port", String.valueOf(controllerPort));
        assertThat(start.exit()).as(start.err()).isZero();
        String bootstrap = start.out().trim();
        assertThat(bootstrap).isEqualTo("localhost:" + port);
        assertThat(kmb("kafka-local", "status", "--data", data.toString()).out()).contains("running: pid").contains(bootstrap);
        assertThat(kmb("kafka-local", "start", "--data", data.toString(), "--port", String.valueOf(port)).err())
                .contains("already running");

        RecordMetadata m;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new StringSerializer())) {
            m = producer.send(new ProducerRecord<>("local.check", "k", "hello kafka-local")).get(60, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition("local.check", m.partition());
            consumer.assign(List.of(tp));
            consumer.seek(tp, m.offset());
            String got = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    got = r.value();
                }
            }
            assertThat(got).isEqualTo("hello kafka-local");
        }

        Run stop = kmb("kafka-local", "stop", "--data", data.toString());
        assertThat(stop.err()).contains("stopped");
        Run status = kmb("kafka-local", "status", "--data", data.toString());
        assertThat(status.exit()).isEqualTo(ExitCodes.DAMAGED);
        assertThat(status.out()).contains("not running");
        assertThat(data.resolve("kafka").resolve("logs").resolve("meta.properties")).exists();
        assertThat(new String(java.nio.file.Files.readAllBytes(data.resolve("kafka").resolve("server.properties")),
                StandardCharsets.UTF_8)).contains("listeners=PLAINTEXT://localhost:" + port);
    }
}
