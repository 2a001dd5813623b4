package dev.kmb.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The migration index lists exactly the scripts in the migration folders, so a store never misses one. */
class MigrationIndexTest {

    @Test
    void theIndexListsEveryMigrationScriptAndNothingElse() throws IOException, URISyntaxException {
        Path root = Path.of(getClass().getClassLoader().getResource("db/migration").toURI());
        List<String> scripts;
        try (Stream<Path> files = Files.walk(root)) {
            scripts = files.filter(p -> p.toString().endsWith(".sql")).map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        }
        assertThat(scripts).isNotEmpty();
        assertThat(MigrationIndex.entries(getClass().getClassLoader())).containsExactlyInAnyOrderElementsOf(scripts);
    }

    @Test
    void anOlderDatabaseIsMigratedAndAnUpToDateOneOpensAsIs(@TempDir Path dir) throws Exception {
        List<String> versions = new MigrationIndex(getClass().getClassLoader(), List.of("common", "sqlite")).versions();
        String latest = versions.get(versions.size() - 1);
        String previous = versions.get(versions.size() - 2);
        org.sqlite.SQLiteDataSource ds = new org.sqlite.SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + dir.resolve(SqliteStateStore.FILE_NAME));
        SqlDialect.SQLITE.flyway(getClass().getClassLoader(), ds).target(previous).load().migrate(); // as an older release left it
        assertThat(SqlDialect.SQLITE.upToDateVersion(getClass().getClassLoader(), ds)).isEmpty();
        try (SqliteStateStore store = SqliteStateStore.open(dir)) {
            assertThat(store.schemaVersion()).isEqualTo(latest);
        }
        assertThat(SqlDialect.SQLITE.upToDateVersion(getClass().getClassLoader(), ds)).contains(latest);
        try (SqliteStateStore store = SqliteStateStore.open(dir)) { // the fast path: Flyway not started
            assertThat(store.schemaVersion()).isEqualTo(latest);
        }
    }

    @Test
    void aDialectSeesThePortableScriptsAndItsOwn() {
        MigrationIndex sqlite = new MigrationIndex(getClass().getClassLoader(), List.of("common", "sqlite"));
        assertThat(sqlite.getResources("V", new String[] {".sql"})).extracting(r -> r.getFilename())
                .contains("V1__init.sql").allMatch(name -> name.startsWith("V") && name.endsWith(".sql"));
        assertThat(sqlite.getResources("beforeMigrate", new String[] {".sql"})).isEmpty();
        assertThat(sqlite.getResource("V1__init.sql").read()).isNotNull();
    }
}
