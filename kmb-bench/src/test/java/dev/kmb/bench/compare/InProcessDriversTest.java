package dev.kmb.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.bench.e2e.CpuProbe;
import dev.kmb.bench.e2e.KmbDriver;
import dev.kmb.bench.e2e.LoadResult;
import dev.kmb.bench.e2e.ScratchBus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/** The KMB and raw-Kafka drivers, against a bus and a KRaft broker started in this JVM. */
class InProcessDriversTest {

    @Test
    void kmbDeliversEverythingAndDeletesItsTopic() throws Exception {
        try (ScratchBus bus = ScratchBus.start()) {
            LoadResult r = DriverContract.deliversEverything(() -> new KmbDriver(bus.uri()), CpuProbe.jvm());
            assertThat(r.serverCpuPercent()).isPositive();
            HttpClient http = HttpClient.newHttpClient();
            DriverContract.cleansUp(() -> new KmbDriver(bus.uri()), runId -> {
                try {
                    URI topic = bus.uri().resolve("/v1/topics/bench.run-" + runId);
                    return http.send(HttpRequest.newBuilder(topic).GET().build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    @Test
    void kmbInKafkaModeDeliversEverything() throws Exception {
        try (InProcessKafka kafka = InProcessKafka.start();
             dev.kmb.bench.e2e.ScratchBus bus = dev.kmb.bench.e2e.ScratchBus.startOnKafka(kafka.bootstrapServers())) {
            DriverContract.deliversEverything(() -> new KmbDriver(bus.uri()), CpuProbe.jvm());
        }
    }

    @Test
    void rawKafkaDeliversEverythingAndDeletesItsTopic() throws Exception {
        try (InProcessKafka kafka = InProcessKafka.start()) {
            DriverContract.deliversEverything(() -> new KafkaDriver(kafka), CpuProbe.jvm());
            DriverContract.cleansUp(() -> new KafkaDriver(kafka), runId -> {
                try (Admin admin = Admin.create(kafka.adminConfig())) {
                    return admin.listTopics().names().get().contains("bench-" + runId);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }
}
