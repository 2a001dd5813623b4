package dev.kmb.broker.store;

import dev.kmb.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;

/**
 * One test's database of one dialect, for the store contracts ({@link StateStoreContract},
 * {@link DeadLetterMarksContract}): opens stores on it (each call a new store, as a second bus node would), and gives
 * the raw SQL access an operator's shell would have.
 */
interface StoreFixture {

    /** A new store on this test's database (the same database every call). */
    JdbcStateStore open(Clock clock);

    /** A plain connection to the database, with the store's tables in reach unqualified. */
    Connection connect() throws SQLException;

    /** Makes every insert of a cursor of partition 1 fail from now on, standing in for a disk error mid-batch. */
    void failInsertsOfPartitionOne() throws SQLException;

    /** The embedded store: {@code <dir>/state.db}. */
    record Sqlite(Path dir) implements StoreFixture {
        @Override
        public JdbcStateStore open(Clock clock) {
            return SqliteStateStore.open(dir, clock);
        }

        @Override
        public Connection connect() throws SQLException {
            return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStateStore.FILE_NAME));
        }

        @Override
        public void failInsertsOfPartitionOne() throws SQLException {
            try (Connection c = connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TRIGGER fail_p1 BEFORE INSERT ON cursors WHEN NEW.partition = 1"
                        + " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
            }
        }
    }

    /** The cluster store: a fresh schema in the run's PostgreSQL test database. */
    record Postgres(TestPostgres pg, String schema) implements StoreFixture {
        Postgres(TestPostgres pg) {
            this(pg, pg.newSchema());
        }

        @Override
        public JdbcStateStore open(Clock clock) {
            return PostgresStateStore.open(PostgresStoreConfig.parse(pg.url(schema)), clock);
        }

        @Override
        public Connection connect() throws SQLException {
            return pg.connect(schema);
        }

        @Override
        public void failInsertsOfPartitionOne() throws SQLException {
            try (Connection c = connect(); Statement st = c.createStatement()) {
                st.execute("CREATE FUNCTION fail_p1() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF NEW.partition = 1 THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$");
                st.execute("CREATE TRIGGER fail_p1 BEFORE INSERT ON cursors FOR EACH ROW EXECUTE FUNCTION fail_p1()");
            }
        }
    }
}
