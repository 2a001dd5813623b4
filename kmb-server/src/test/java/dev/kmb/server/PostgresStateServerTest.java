package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kmb.client.KmbClient;
import dev.kmb.client.KmbConnection;
import dev.kmb.client.Message;
import dev.kmb.testing.PostgresExtension;
import dev.kmb.testing.TestPostgres;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose state is in PostgreSQL ({@code --state postgresql://…}, here through the same override the flag sets),
 * over real HTTP: topics, subscriptions and cursors survive a restart, and a second server process on the same
 * database sees what the first created (each keeps its own embedded log; the shared log is Kafka's job). Skipped
 * without a reachable PostgreSQL unless {@code KMB_REQUIRE_SERVICES=1}.
 */
@ExtendWith(PostgresExtension.class)
class PostgresStateServerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    TestPostgres pg; // set by PostgresExtension

    @TempDir
    Path dir;

    private ServerConfig config(String stateUrl, Path dataDir) {
        return new ServerConfigLoader(name -> null).parse("kmb:\n  server:\n    port: 0\n", new ServerConfigLoader.Overrides(
                Optional.empty(), Optional.empty(), Optional.of(dataDir), Optional.of(stateUrl)));
    }

    @Test
    void topicsSubscriptionsAndCursorsSurviveARestartOnPostgres() throws Exception {
        String state = pg.url(pg.newSchema());
        try (TestServer a = TestServer.start(dir.resolve("node-a"), c -> config(state, dir.resolve("node-a")))) {
            assertThat(a.server().context().config().state().toString()).startsWith("postgresql://");
            assertThat(a.post("/v1/topics", "{\"name\":\"pg.orders\",\"partitions\":2}").status()).isEqualTo(201);
            assertThat(a.post("/v1/subscriptions", "{\"name\":\"billing\",\"pattern\":\"pg.#\",\"start\":\"earliest\"}")
                    .status()).isEqualTo(201);
            try (KmbClient client = client(a); KmbConnection c = client.connect()) {
                List<dev.kmb.core.Envelope> batch = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    batch.add(TestBus.message("pg.orders", "k" + i, "{\"n\":" + i + "}"));
                }
                c.publishBatch(batch).join();
                Inbox inbox = new Inbox(false);
                c.subscribe("billing", inbox).join();
                for (Message m : inbox.take(10, WAIT)) {
                    m.ack().join(); // answered once the ack is in the store
                }
            }
            JsonNode before = a.get("/v1/subscriptions/billing/lag").json();
            assertThat(ackFloors(before)).isEqualTo(10);

            a.restart(); // a new process would see the same: the state is in PostgreSQL, the log in node-a's dir

            assertThat(a.get("/v1/topics/pg.orders").json().path("partitions").asInt()).isEqualTo(2);
            assertThat(a.get("/v1/subscriptions/billing").json().path("pattern").asText()).isEqualTo("pg.#");
            JsonNode after = a.get("/v1/subscriptions/billing/lag").json();
            assertThat(ackFloors(after)).isEqualTo(10);
            try (KmbClient client = client(a); KmbConnection c = client.connect()) {
                Inbox inbox = new Inbox(false);
                c.subscribe("billing", inbox).join();
                assertThat(inbox.drain(Duration.ofMillis(500))).as("acked before the restart: never again").isEmpty();
            }
        }
    }

    @Test
    void aSecondServerOnTheSameDatabaseSeesTheTopicsAndSubscriptionsTheFirstCreated() {
        String state = pg.url(pg.newSchema());
        try (TestServer a = TestServer.start(dir.resolve("node-a"), c -> config(state, dir.resolve("node-a")))) {
            assertThat(a.post("/v1/topics", "{\"name\":\"shared.events\",\"partitions\":3}").status()).isEqualTo(201);
            assertThat(a.post("/v1/subscriptions", "{\"name\":\"audit\",\"pattern\":\"shared.#\"}").status())
                    .isEqualTo(201);

            // node b: its own data directory (its own embedded log), the same database, while node a runs
            try (TestServer b = TestServer.start(dir.resolve("node-b"), c -> config(state, dir.resolve("node-b")))) {
                assertThat(b.get("/v1/topics/shared.events").json().path("partitions").asInt()).isEqualTo(3);
                assertThat(b.get("/v1/subscriptions/audit").json().path("pattern").asText()).isEqualTo("shared.#");
                // a name is taken for the whole cluster: neither node can create it again
                TestServer.Answer again = b.post("/v1/topics", "{\"name\":\"shared.events\",\"partitions\":1}");
                assertThat(again.status()).isEqualTo(409);
                assertThat(again.code()).isEqualTo("topic_exists");
                assertThat(b.post("/v1/topics", "{\"name\":\"shared.more\"}").status()).isEqualTo(201);
                assertThat(a.post("/v1/topics", "{\"name\":\"shared.more\"}").status()).isEqualTo(409);
            }
        }
    }

    private static int ackFloors(JsonNode lag) {
        int sum = 0;
        for (JsonNode p : lag.path("partitions")) {
            sum += p.path("ack_floor").asInt();
        }
        return sum;
    }

    private static KmbClient client(TestServer s) {
        return KmbClient.builder(URI.create("http://127.0.0.1:" + s.server().port())).requestTimeout(WAIT).build();
    }
}
