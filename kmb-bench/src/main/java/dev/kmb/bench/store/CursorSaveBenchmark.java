package dev.kmb.bench.store;

import dev.kmb.broker.spi.CursorState;
import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.broker.store.PostgresStateStore;
import dev.kmb.broker.store.PostgresStoreConfig;
import dev.kmb.broker.store.SqliteStateStore;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import dev.kmb.log.spi.TopicSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ack path's store write: {@link StateStore#saveCursors} of {@code batch} cursors (one per partition, each with a
 * typical ack window: a floor and a few acked offsets above it) in one transaction, on the embedded SQLite file and
 * on PostgreSQL ({@code KMB_BENCH_POSTGRES_URL}, default the local server; a fresh schema, dropped afterwards).
 * Cursors saved per second = ops/s × batch. The dispatcher batches what accumulated since its last checkpoint, so
 * batch 1 is the worst case and 100 a busy subscription.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CursorSaveBenchmark {

    @Param({"sqlite", "postgresql"})
    public String store;

    @Param({"1", "100"})
    public int batch;

    private static final TenantId TENANT = TenantId.DEFAULT;
    private static final TopicName TOPIC = TopicName.of("bench.acks");

    private StateStore states;
    private Path dir;
    private PostgresStoreConfig postgres;
    private long floor;

    @Setup
    public void open() throws IOException {
        if (store.equals("sqlite")) {
            dir = Files.createTempDirectory("kmb-bench-state");
            states = SqliteStateStore.open(dir, Clock.systemUTC());
        } else {
            String url = System.getenv().getOrDefault("KMB_BENCH_POSTGRES_URL",
                    "postgresql://postgres@127.0.0.1:5432/postgres");
            String schema = "kmb_bench_" + UUID.randomUUID().toString().substring(0, 8);
            postgres = PostgresStoreConfig.parse(url + (url.contains("?") ? "&" : "?") + "schema=" + schema);
            states = PostgresStateStore.open(postgres, Clock.systemUTC());
        }
        states.createTopic(TopicRecord.create(TENANT, TOPIC, TopicSpec.defaults().withPartitions(batch), Instant.now()));
        states.createSubscription(SubscriptionRecord.builder(TENANT, "bench", TopicPattern.of("#")).build(Instant.now()));
    }

    @Benchmark
    public void saveCursors() {
        floor += 10;
        List<CursorState> cursors = new ArrayList<>(batch);
        for (int p = 0; p < batch; p++) {
            cursors.add(new CursorState(TENANT, "bench", TOPIC, p, floor,
                    new long[] {floor + 2, floor + 3, floor + 4, floor + 7}));
        }
        states.saveCursors(cursors);
    }

    @TearDown
    public void close() throws IOException, SQLException {
        states.close();
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        if (postgres != null) {
            Properties login = new Properties();
            postgres.user().ifPresent(u -> login.setProperty("user", u));
            postgres.password().ifPresent(p -> login.setProperty("password", p));
            try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), login);
                 Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA " + postgres.schema().orElseThrow() + " CASCADE");
            }
        }
    }
}
