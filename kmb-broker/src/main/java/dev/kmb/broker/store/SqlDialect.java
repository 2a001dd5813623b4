package dev.kmb.broker.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Optional;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import java.util.Set;

/**
 * What differs between the state store's two SQL dialects; every statement not named here is shared
 * ({@link JdbcStateStore}, {@link DeadLetterMarkSql}) and runs unchanged on both. Stateless.
 *
 * <p>Migrations: {@code db/migration/common} holds the portable ones (both dialects run them); a migration that
 * cannot be written portably goes, under one version number, into both {@code db/migration/sqlite} and
 * {@code db/migration/postgresql} (Flyway versions are unique across the locations a store scans).
 */
enum SqlDialect {

    /** The embedded store: one writer per file, transactions begin IMMEDIATE (the write lock up front). */
    SQLITE("sqlite", Set.of()),

    /**
     * The cluster store: many connections from many processes, READ COMMITTED. Transient outcomes of concurrent
     * writers are retried: serialization failure (40001), deadlock (40P01), and a foreign key whose parent row a
     * concurrent transaction deleted after this statement's snapshot (23503: the retry's fresh snapshot sees the
     * delete, and the guarded cursor upsert then skips the row as the contract says).
     */
    POSTGRESQL("postgresql", Set.of("40001", "40P01", "23503"));

    static final String COMMON_MIGRATIONS = "classpath:db/migration/common";

    private final String migrationFolder;
    private final Set<String> transientStates;

    SqlDialect(String migrationFolder, Set<String> transientStates) {
        this.migrationFolder = migrationFolder;
        this.transientStates = transientStates;
    }

    /** The Flyway locations of this dialect: the portable migrations, then its own. */
    String[] migrationLocations() {
        return new String[] {COMMON_MIGRATIONS, "classpath:db/migration/" + migrationFolder};
    }

    /**
     * The schema version when the database already has every indexed migration applied, else empty (Flyway must run).
     * Reading Flyway's history table directly lets a restart skip Flyway's own start-up, the slowest step of opening
     * a store; a fresh or older database still goes through Flyway, which also checks the applied scripts.
     */
    Optional<String> upToDateVersion(ClassLoader loader, DataSource dataSource) {
        List<String> wanted = new MigrationIndex(loader, List.of("common", migrationFolder)).versions();
        Set<String> applied = new HashSet<>();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL")) {
            while (rs.next()) {
                applied.add(rs.getString(1));
            }
        } catch (SQLException e) {
            return Optional.empty(); // no history table yet: a new database
        }
        if (wanted.isEmpty() || !applied.containsAll(wanted)) {
            return Optional.empty();
        }
        return wanted.stream().max(Comparator.comparing(SqlDialect::versionParts, SqlDialect::compareVersions));
    }

    private static int[] versionParts(String version) {
        return java.util.Arrays.stream(version.split("\\.")).mapToInt(Integer::parseInt).toArray();
    }

    private static int compareVersions(int[] a, int[] b) {
        return java.util.Arrays.compare(a, b);
    }

    /**
     * Flyway set up for this dialect on {@code dataSource}: its migrations come from the {@link MigrationIndex} (no
     * classpath scan), and there are no Java migrations.
     */
    FluentConfiguration flyway(ClassLoader loader, DataSource dataSource) {
        return Flyway.configure(loader)
                .dataSource(dataSource)
                .locations(migrationLocations())
                .resourceProvider(new MigrationIndex(loader, List.of("common", migrationFolder)))
                .javaMigrationClassProvider(List::of);
    }

    /**
     * A read whose rows the transaction is about to write back (read-merge-write): PostgreSQL locks them
     * ({@code FOR UPDATE}) so that a concurrent writer in another process cannot slip in between; SQLite needs
     * nothing, its IMMEDIATE transaction already holds the database's write lock (and it has no {@code FOR UPDATE}).
     */
    String lockingRead(String select) {
        return this == POSTGRESQL ? select + " FOR UPDATE" : select;
    }

    /** True when the transaction failed only because of a concurrent one and may simply run again. */
    boolean isTransient(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if (s.getSQLState() != null && transientStates.contains(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
