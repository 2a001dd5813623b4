package dev.kmb.broker;

import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.store.PostgresStateStore;
import dev.kmb.broker.store.PostgresStoreConfig;
import dev.kmb.broker.store.SqliteStateStore;
import dev.kmb.kafka.KafkaLogConfig;
import dev.kmb.kafka.KafkaMessageLog;
import dev.kmb.log.EmbeddedLog;
import dev.kmb.log.EmbeddedLogConfig;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.testing.TestKafka;
import dev.kmb.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * Where one harness keeps its log and its state: each {@code open} reaches the same place again, so a restart finds
 * what the broker left there. Immutable.
 */
sealed interface Backing {

    /** The backend this is a place on. */
    Backend backend();

    /** Opens the log; {@code clock} stamps append times. */
    MessageLog openLog(Clock clock);

    /** Opens the state store. */
    StateStore openStore();

    /**
     * A new place on {@code backend}: {@code dir} for the embedded log and SQLite; for Kafka a topic prefix no other
     * harness uses on the shared test Kafka, and a new schema of {@code pg} (set by {@link OnEachBackend}).
     */
    static Backing of(Backend backend, Path dir, TestPostgres pg) {
        return switch (backend) {
            case EMBEDDED -> new Embedded(dir);
            case KAFKA -> new Kafka(TestKafka.bootstrapServers(), "p" + UUID.randomUUID().toString().substring(0, 8) + ".",
                    Objects.requireNonNull(pg, "a KAFKA test needs its TestPostgres field (see OnEachBackend)"),
                    pg.newSchema());
        };
    }

    /** The embedded log in {@code dir/log} and the SQLite store in {@code dir}. */
    record Embedded(Path dir) implements Backing {
        @Override
        public Backend backend() {
            return Backend.EMBEDDED;
        }

        @Override
        public MessageLog openLog(Clock clock) {
            return EmbeddedLog.open(EmbeddedLogConfig.builder(dir.resolve("log")).clock(clock).build());
        }

        @Override
        public StateStore openStore() {
            return SqliteStateStore.open(dir);
        }
    }

    /** A topic prefix on a Kafka and a schema in a PostgreSQL database. */
    record Kafka(String bootstrapServers, String topicPrefix, TestPostgres pg, String schema) implements Backing {
        @Override
        public Backend backend() {
            return Backend.KAFKA;
        }

        @Override
        public MessageLog openLog(Clock clock) {
            return KafkaMessageLog.open(KafkaLogConfig.builder(bootstrapServers).topicPrefix(topicPrefix)
                    .requestTimeout(Duration.ofSeconds(20)).clock(clock).build());
        }

        @Override
        public StateStore openStore() {
            return PostgresStateStore.open(PostgresStoreConfig.parse(pg.url(schema)), Clock.systemUTC());
        }
    }
}
