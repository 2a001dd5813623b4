package dev.kmb.broker.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.kmb.broker.spi.StateStoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster-mode state store: a PostgreSQL database that several bus nodes share, through a HikariCP pool, schema
 * by Flyway from {@code classpath:db/migration/common} and {@code db/migration/postgresql}
 * ({@link SqlDialect#POSTGRESQL}). Thread-safe, and safe with other processes on the same database.
 *
 * <p><b>Several processes.</b> Every write is a transaction at READ COMMITTED. Creates are {@code INSERT ... ON
 * CONFLICT DO NOTHING} on the primary key (of two nodes creating one topic, exactly one gets {@code true}); a
 * topic update locks its row ({@code FOR UPDATE}) between reading and merging its config; cursor saves and
 * dead-letter claims are upserts that take their row locks in one global key order, and a claim is decided by
 * the row under its lock (see {@link DeadLetterMarkSql}). Nodes starting at once migrate one at a time (Flyway
 * holds a PostgreSQL advisory lock while it migrates).
 *
 * <p><b>Crash behaviour.</b> What PostgreSQL committed survives any crash of a bus node; a node's death mid-transaction
 * rolls it back (the connection closes). Durability of a commit is PostgreSQL's ({@code synchronous_commit}).
 */
public final class PostgresStateStore extends JdbcStateStore {

    /** How long a caller waits for a pooled connection before the store reports failure. */
    public static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(PostgresStateStore.class);

    private final PostgresStoreConfig config;
    private final HikariDataSource pool;
    private final String schemaVersion;
    private volatile boolean closed;

    private PostgresStateStore(PostgresStoreConfig config, Clock clock, HikariDataSource pool, String schemaVersion) {
        super(clock, SqlDialect.POSTGRESQL);
        this.config = config;
        this.pool = pool;
        this.schemaVersion = schemaVersion;
    }

    /**
     * Connects, creates the schema if the URL names one that is missing, and migrates to the newest version.
     *
     * @param clock stamps {@code updated_at} of saved cursors
     * @throws StateStoreException when the database cannot be reached or migrated (the message names it, never the
     *                             password)
     */
    public static PostgresStateStore open(PostgresStoreConfig config, Clock clock) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("kmb-state");
        hikari.setJdbcUrl(config.jdbcUrl());
        config.user().ifPresent(hikari::setUsername);
        config.password().ifPresent(hikari::setPassword);
        config.schema().ifPresent(hikari::setSchema); // search_path may name a schema Flyway creates only below
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(Math.min(2, config.poolSize()));
        hikari.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hikari); // fails fast when the database cannot be reached
        } catch (RuntimeException e) {
            throw new StateStoreException("cannot connect to the state store " + config + ": " + rootMessage(e), e);
        }
        try {
            String version = migrate(pool, config);
            LOG.info("State store {} open at schema version {}", config, version);
            return new PostgresStateStore(config, clock, pool, version);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    private static String migrate(HikariDataSource pool, PostgresStoreConfig config) {
        var upToDate = SqlDialect.POSTGRESQL.upToDateVersion(PostgresStateStore.class.getClassLoader(), pool);
        if (upToDate.isPresent()) {
            return upToDate.get();
        }
        try {
            var flyway = SqlDialect.POSTGRESQL.flyway(PostgresStateStore.class.getClassLoader(), pool);
            config.schema().ifPresent(s -> flyway.schemas(s).defaultSchema(s).createSchemas(true));
            Flyway loaded = flyway.load();
            loaded.migrate();
            MigrationInfo current = loaded.info().current();
            return current == null ? "none" : current.getVersion().getVersion();
        } catch (FlywayException e) {
            throw new StateStoreException("cannot migrate the state store " + config + ": " + e.getMessage(), e);
        }
    }

    /** Where the store connects, safe to log. */
    public PostgresStoreConfig config() {
        return config;
    }

    /** The schema version Flyway reports after migrating at open, e.g. {@code "4"}. */
    public String schemaVersion() {
        return schemaVersion;
    }

    @Override
    protected <T> T withConnection(String what, SqlWork<T> work) {
        if (closed) {
            throw new StateStoreException("cannot " + what + ": the state store " + config + " is closed");
        }
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StateStoreException("cannot " + what + " in " + config + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pool.close(); // waits for connections in use to come back, then closes them
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
