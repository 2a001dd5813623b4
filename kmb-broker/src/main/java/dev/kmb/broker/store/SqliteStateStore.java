package dev.kmb.broker.store;

import dev.kmb.broker.spi.StateStoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded state store: {@code <dataDir>/state.db}, one SQLite file, schema by Flyway from
 * {@code classpath:db/migration/common} and {@code db/migration/sqlite} ({@link SqlDialect#SQLITE}). Thread-safe.
 *
 * <p><b>Concurrency.</b> SQLite has a single writer per file anyway, so the store holds one connection and a
 * {@link ReentrantLock} around it (not {@code synchronized}: callers are virtual threads, and the lock is held across
 * blocking I/O). Reads queue behind writes; metadata traffic is small and the ack path batches.
 *
 * <p><b>Crash behaviour.</b> WAL journal with {@code synchronous=NORMAL}: a committed transaction survives a process
 * crash (it is in the WAL, in the OS's page cache). On power loss the last few commits may be lost, never the file's
 * consistency; for cursors that only means some messages are delivered again (delivery is at-least-once anyway).
 *
 * <p><b>More than one store on a file.</b> Allowed and safe: SQLite locks the file, writers wait up to
 * {@link #BUSY_TIMEOUT} for each other (transactions begin IMMEDIATE, so two writers never deadlock on a lock
 * upgrade), and each store sees the others' commits. It is not the intended use: the log's data-directory lock
 * already keeps a second broker off the directory; a second store is for offline tools.
 */
public final class SqliteStateStore extends JdbcStateStore {

    /** The database file inside the data directory. */
    public static final String FILE_NAME = "state.db";

    /** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
    public static final Duration BUSY_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(SqliteStateStore.class);

    private final Path file;
    private final String schemaVersion;
    private final ReentrantLock lock = new ReentrantLock();
    private final Connection connection; // guarded by lock
    private boolean closed; // guarded by lock

    private SqliteStateStore(Path file, Clock clock, Connection connection, String schemaVersion) {
        super(clock, SqlDialect.SQLITE);
        this.file = file;
        this.connection = connection;
        this.schemaVersion = schemaVersion;
    }

    /** Opens (creating if needed) {@code <dataDir>/state.db} and migrates it to the newest schema. */
    public static SqliteStateStore open(Path dataDir) {
        return open(dataDir, Clock.systemUTC());
    }

    /**
     * Opens (creating if needed) {@code <dataDir>/state.db} and migrates it to the newest schema.
     *
     * @param clock stamps {@code updated_at} of saved cursors
     * @throws StateStoreException when the directory or the database cannot be opened or migrated
     */
    public static SqliteStateStore open(Path dataDir, Clock clock) {
        Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StateStoreException("cannot create the data directory " + dataDir, e);
        }
        SQLiteDataSource dataSource = new SQLiteDataSource(config());
        dataSource.setUrl("jdbc:sqlite:" + file);
        String version = migrate(dataSource, file);
        Connection connection = null;
        try {
            connection = dataSource.getConnection();
            checkJournalMode(connection, file);
        } catch (SQLException e) {
            StateStoreException failure = new StateStoreException("cannot open " + file + ": " + e.getMessage(), e);
            closeQuietly(connection, failure);
            throw failure;
        }
        LOG.info("State store {} open at schema version {}", file, version);
        return new SqliteStateStore(file, clock, connection, version);
    }

    private static SQLiteConfig config() {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout((int) BUSY_TIMEOUT.toMillis());
        config.enforceForeignKeys(true);
        // BEGIN IMMEDIATE takes the write lock up front: a read-then-write transaction (updateTopic) can then never
        // fail with SQLITE_BUSY on the lock upgrade when a second connection writes.
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        return config;
    }

    private static String migrate(SQLiteDataSource dataSource, Path file) {
        Optional<String> upToDate = SqlDialect.SQLITE.upToDateVersion(SqliteStateStore.class.getClassLoader(), dataSource);
        if (upToDate.isPresent()) {
            return upToDate.get();
        }
        try {
            Flyway flyway = SqlDialect.SQLITE.flyway(SqliteStateStore.class.getClassLoader(), dataSource).load();
            flyway.migrate();
            MigrationInfo current = flyway.info().current();
            return current == null ? "none" : current.getVersion().getVersion();
        } catch (FlywayException e) {
            throw new StateStoreException("cannot migrate " + file + ": " + e.getMessage(), e);
        }
    }

    // WAL cannot be used on some file systems (network shares); SQLite then silently keeps its rollback journal,
    // which is still crash-safe but slower and blocks readers during writes.
    private static void checkJournalMode(Connection connection, Path file) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
            String mode = rs.next() ? rs.getString(1) : "unknown";
            if (!"wal".equalsIgnoreCase(mode)) {
                LOG.warn("State store {} runs in journal mode {} instead of WAL (file system without shared memory?)",
                        file, mode);
            }
        }
    }

    private static void closeQuietly(Connection connection, Exception failure) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    /** The schema version Flyway reports after migrating at open, e.g. {@code "1"}. */
    public String schemaVersion() {
        return schemaVersion;
    }

    @Override
    protected <T> T withConnection(String what, SqlWork<T> work) {
        lock.lock();
        try {
            if (closed) {
                throw new StateStoreException("cannot " + what + ": the state store " + file + " is closed");
            }
            return work.run(connection);
        } catch (SQLException e) {
            throw new StateStoreException("cannot " + what + " in " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            connection.close(); // the last connection to close checkpoints the WAL into the main file
        } catch (SQLException e) {
            throw new StateStoreException("cannot close " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
