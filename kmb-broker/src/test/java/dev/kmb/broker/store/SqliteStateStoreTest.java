package dev.kmb.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.broker.spi.StateStoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state-store contract on SQLite, plus what only the embedded file has. */
class SqliteStateStoreTest extends StateStoreContract {

    @TempDir
    Path dir;

    @Override
    StoreFixture newFixture() {
        return new StoreFixture.Sqlite(dir);
    }

    // ---- the file

    @Test
    void schemaVersionAndFlywayHistoryAreVisible() throws SQLException {
        assertThat(store.schemaVersion()).isEqualTo("8");
        assertThat(((SqliteStateStore) store).file()).isEqualTo(dir.resolve("state.db").toAbsolutePath());
        assertThat(query("SELECT version || ' ' || description || ' ' || success FROM flyway_schema_history"))
                .containsExactly("1 init 1", "2 retry schedule 1", "4 dead letters 1", "5 transactions 1",
                "6 subscription leases 1", "7 transaction node 1", "8 seek generation 1");
        assertThat(query("PRAGMA journal_mode")).containsExactly("wal");
        assertThat(reopen().schemaVersion()).isEqualTo("8");
    }

    @Test
    void aDataDirectoryMigratedBeforeTheDialectFoldersExistedOpensUnchanged() throws Exception {
        // what 0.1 did: Flyway over db/migration/common only
        Path old = dir.resolve("old");
        Files.createDirectories(old);
        org.sqlite.SQLiteDataSource ds = new org.sqlite.SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + old.resolve(SqliteStateStore.FILE_NAME));
        org.flywaydb.core.Flyway.configure(getClass().getClassLoader()).dataSource(ds)
                .locations(SqlDialect.COMMON_MIGRATIONS).load().migrate();

        try (SqliteStateStore reopened = SqliteStateStore.open(old)) {
            assertThat(reopened.schemaVersion()).isEqualTo("8");
            assertThat(reopened.createTopic(topic(ACME, ORDERS))).isTrue();
        }
    }

    @Test
    void unopenableDirectoryFailsNamingIt() throws Exception {
        Path file = dir.resolve("not-a-dir");
        Files.writeString(file, "x");

        assertThatThrownBy(() -> SqliteStateStore.open(file)).isInstanceOf(StateStoreException.class)
                .hasMessageContaining("not-a-dir");
    }
}
