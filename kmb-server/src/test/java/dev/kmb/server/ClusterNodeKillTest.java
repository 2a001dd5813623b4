package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.client.KmbClient;
import dev.kmb.client.KmbConnection;
import dev.kmb.client.Message;
import dev.kmb.core.Envelope;
import dev.kmb.testing.PostgresExtension;
import dev.kmb.testing.TestKafka;
import dev.kmb.testing.TestPostgres;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a cluster node mid-load: node A runs in a child JVM, node B in this one, both on one Kafka and one
 * PostgreSQL. Publishers on both nodes and a subscriber on A run when A is killed; the subscriber reconnects to B and
 * resumes from the subscription's stored cursor. No publish that was acknowledged is lost, and no message whose ack
 * was acknowledged comes back.
 */
@ExtendWith(PostgresExtension.class)
class ClusterNodeKillTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    TestPostgres pg; // set by PostgresExtension

    @TempDir
    Path dir;

    @Test
    void killingANodeMidLoadLosesNoAcknowledgedPublishAndItsSubscriberResumesOnAnotherNode() throws Exception {
        String state = pg.url(pg.newSchema());
        String prefix = "k" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Path bData = dir.resolve("node-b");
        try (TestServer b = TestServer.start(bData, c -> new ServerConfigLoader(name -> null).parse(
                "kmb:\n  server:\n    port: 0\n  kafka:\n    topic_prefix: " + prefix + "\n",
                new ServerConfigLoader.Overrides(Optional.empty(), Optional.empty(), Optional.of(bData), Optional.of(state),
                        Optional.of("kafka"), Optional.of(TestKafka.bootstrapServers()), Optional.of("node-b"))))) {
            assertThat(b.post("/v1/topics", "{\"name\":\"load\",\"partitions\":4}").status()).isEqualTo(201);
            assertThat(b.post("/v1/subscriptions", "{\"name\":\"drain\",\"pattern\":\"load\",\"mode\":\"shared\","
                    + "\"start\":\"earliest\",\"ack_timeout\":5}").status()).isEqualTo(201);

            Path aDir = dir.resolve("node-a");
            java.nio.file.Files.createDirectories(aDir);
            Process a = ChildServerProcess.start(aDir, List.of(state, TestKafka.bootstrapServers(), prefix, "node-a"));
            Set<UUID> acknowledgedPublishes = ConcurrentHashMap.newKeySet();
            Set<UUID> acknowledgedAcks = ConcurrentHashMap.newKeySet();
            Set<UUID> delivered = ConcurrentHashMap.newKeySet();
            List<UUID> redeliveredAfterAck = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.function.Consumer<Message> consumer = m -> {
                if (acknowledgedAcks.contains(m.id())) {
                    redeliveredAfterAck.add(m.id());
                }
                delivered.add(m.id());
                m.ack().thenRun(() -> acknowledgedAcks.add(m.id()));
            };
            AtomicBoolean publishing = new AtomicBoolean(true);
            try (KmbClient onA = ChildServerProcess.client(aDir); KmbConnection subA = onA.connect();
                 KmbConnection pubA = onA.connect(); KmbClient onB = client(b); KmbConnection pubB = onB.connect()) {
                subA.subscribe("drain", consumer::accept).join();
                Thread publisherA = publisher(pubA, publishing, acknowledgedPublishes);
                Thread publisherB = publisher(pubB, publishing, acknowledgedPublishes);
                TestBus.await(WAIT, "deliveries on node A", () -> delivered.size() >= 100);

                a.destroyForcibly().waitFor(); // kill -9, mid-load
                Thread.sleep(300);
                publishing.set(false);
                publisherA.join();
                publisherB.join();
            } catch (RuntimeException expected) {
                // closing connections to a dead node may fail; what counts is checked below
            } finally {
                a.destroyForcibly();
            }

            // the subscriber comes back on B and resumes from the subscription's cursor
            try (KmbClient onB = client(b); KmbConnection subB = onB.connect()) {
                subB.subscribe("drain", consumer::accept).join();
                TestBus.await(WAIT, "every acknowledged publish delivered", () -> delivered.containsAll(acknowledgedPublishes));
            }
            assertThat(acknowledgedPublishes).hasSizeGreaterThan(100);
            assertThat(delivered).containsAll(acknowledgedPublishes);
            assertThat(redeliveredAfterAck).as("messages whose ack was acknowledged never come back").isEmpty();
        }
    }

    /** Publishes batches of 10 until told to stop; records the ids whose publish was acknowledged. */
    private static Thread publisher(KmbConnection c, AtomicBoolean publishing, Set<UUID> acknowledged) {
        return Thread.ofVirtual().start(() -> {
            int n = 0;
            while (publishing.get()) {
                List<Envelope> batch = new ArrayList<>();
                for (int i = 0; i < 10; i++, n++) {
                    batch.add(TestBus.message("load", "k" + n, "{\"n\":" + n + "}"));
                }
                try {
                    c.publishBatch(batch).join().forEach(r -> acknowledged.add(r.id()));
                } catch (RuntimeException e) {
                    return; // its node died: publishes not acknowledged are not counted
                }
            }
        });
    }

    private static KmbClient client(TestServer s) {
        return KmbClient.builder(URI.create("http://127.0.0.1:" + s.server().port())).requestTimeout(Duration.ofSeconds(20))
                .build();
    }
}
