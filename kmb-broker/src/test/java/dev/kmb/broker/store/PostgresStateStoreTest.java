package dev.kmb.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.broker.spi.CursorState;
import dev.kmb.broker.spi.StateStoreException;
import dev.kmb.testing.PostgresExtension;
import dev.kmb.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The state-store contract on PostgreSQL (a fresh schema per test in the run's database, see {@link TestPostgres}),
 * plus what only PostgreSQL has. Skipped without a reachable server unless {@code KMB_REQUIRE_SERVICES=1}.
 */
@ExtendWith(PostgresExtension.class)
class PostgresStateStoreTest extends StateStoreContract {

    TestPostgres pg; // set by PostgresExtension
    private String schema;

    @Override
    StoreFixture newFixture() {
        StoreFixture.Postgres fixture = new StoreFixture.Postgres(pg);
        schema = fixture.schema();
        return fixture;
    }

    @Test
    void theSameMigrationsRunAndTheHistoryLivesInTheStoresSchema() throws SQLException {
        assertThat(store.schemaVersion()).isEqualTo("8");
        assertThat(query("SELECT version || ' ' || description || ' ' || success FROM flyway_schema_history"
                + " WHERE version IS NOT NULL ORDER BY installed_rank"))
                .containsExactly("1 init true", "2 retry schedule true", "4 dead letters true",
                        "5 transactions true", "6 subscription leases true", "7 transaction node true",
                        "8 seek generation true");
        assertThat(query("SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema + "'"
                + " ORDER BY table_name"))
                .containsExactly("cursors", "dead_letter_marks", "flyway_schema_history", "subscription_leases",
                        "subscriptions", "topics", "transactions");
        assertThat(reopen().schemaVersion()).isEqualTo("8");
    }

    @Test
    void storesInDifferentSchemasOfOneDatabaseDoNotSeeEachOther() {
        store.createTopic(topic(ACME, ORDERS));

        try (PostgresStateStore other = PostgresStateStore.open(PostgresStoreConfig.parse(pg.url(pg.newSchema())),
                Clock.systemUTC())) {
            assertThat(other.topic(ACME, ORDERS)).isEmpty();
            assertThat(other.createTopic(topic(ACME, ORDERS))).isTrue();
        }
    }

    @Test
    void theTablesUseOnlyThePortableTypes() throws SQLException {
        // the types the portable schema promises: TEXT, BIGINT, INTEGER, nothing dialect-specific
        assertThat(query("SELECT DISTINCT data_type FROM information_schema.columns WHERE table_schema = '" + schema
                + "' AND table_name <> 'flyway_schema_history' ORDER BY data_type"))
                .containsExactly("bigint", "integer", "text");
    }

    @Test
    void aCursorSaveThatLosesToAnUncommittedTopicDeleteSkipsTheCursorInsteadOfFailing() throws Exception {
        // Another node deletes the topic and has not committed yet: the save's snapshot still sees the topic, so its
        // insert waits on the foreign key's row lock, then fails it (23503) once the delete commits. The store runs
        // the transaction again, and the fresh snapshot skips the cursor, as the contract says.
        store.createTopic(topic(ACME, ORDERS));
        store.createSubscription(subscription(ACME, "billing"));
        try (Connection otherNode = pg.connect(schema); ExecutorService pool = Executors.newSingleThreadExecutor()) {
            otherNode.setAutoCommit(false);
            try (Statement st = otherNode.createStatement()) {
                st.executeUpdate("DELETE FROM topics WHERE tenant = 'acme' AND name = 'orders.created'");
            }
            Future<?> save = pool.submit(() -> store.saveCursors(List.of(
                    new CursorState(ACME, "billing", ORDERS, 0, 5, new long[0]))));
            awaitALockWait(otherNode);
            otherNode.commit();

            save.get(30, TimeUnit.SECONDS); // no StateStoreException
        }

        assertThat(store.cursors(ACME, "billing")).isEmpty();
        assertThat(store.topic(ACME, ORDERS)).isEmpty();
    }

    private void awaitALockWait(Connection observer) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Connection c = pg.connect(schema); Statement st = c.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        + " AND datname = current_database()")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the save never waited on the uncommitted delete's lock");
                }
                Thread.sleep(10); // polling a condition with a deadline, not synchronising by sleep
            }
        }
    }

    @Test
    void anUnreachableServerFailsNamingItButNotThePassword() {
        PostgresStoreConfig nowhere = PostgresStoreConfig.parse(
                "postgresql://kmb:s3cret@127.0.0.1:1/kmb?connectTimeout=2&schema=x");

        assertThatThrownBy(() -> PostgresStateStore.open(nowhere, Clock.systemUTC()))
                .isInstanceOf(StateStoreException.class)
                .hasMessageContaining("cannot connect to the state store postgresql://kmb:***@127.0.0.1:1/kmb")
                .hasMessageNotContaining("s3cret");
    }
}
