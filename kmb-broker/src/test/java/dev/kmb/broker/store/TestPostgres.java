package dev.kmb.broker.store;

import dev.kmb.testing.RequiredServices;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fresh PostgreSQL database for one test run, created on the server at {@code KMB_TEST_POSTGRES_URL} (default
 * {@value #DEFAULT_URL}) and dropped when the run ends; each test takes its own schema in it ({@link #newSchema()}),
 * which is cheaper than a database per test and exercises the store's {@code schema} setting. Get it through
 * {@link PostgresExtension}. Thread-safe.
 */
public final class TestPostgres implements AutoCloseable {

    /** The server the tests use: a {@code postgresql://} URL of a user allowed to create databases. */
    public static final String URL_ENV = "KMB_TEST_POSTGRES_URL";
    /** The machine's own server, trust authentication. */
    public static final String DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

    private static final Logger LOG = LoggerFactory.getLogger(TestPostgres.class);
    private static final String HOW_TO_RUN = "start PostgreSQL on 127.0.0.1:5432 with trust auth for user postgres, or "
            + "set " + URL_ENV + "=postgresql://user:password@host:port/database (a user that may CREATE DATABASE)";

    private final PostgresStoreConfig admin;
    private final String database;
    private final AtomicInteger schemas = new AtomicInteger();

    private TestPostgres(PostgresStoreConfig admin, String database) {
        this.admin = admin;
        this.database = database;
    }

    /**
     * Creates the run's database; skips (or, under {@code KMB_REQUIRE_SERVICES=1}, fails) when the server cannot be
     * reached.
     */
    static TestPostgres create() {
        String url = System.getenv(URL_ENV) == null || System.getenv(URL_ENV).isBlank() ? DEFAULT_URL
                : System.getenv(URL_ENV);
        PostgresStoreConfig admin = PostgresStoreConfig.parse(url);
        String database = "kmb_test_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"))
                + "_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = connect(admin.jdbcUrl(), admin); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw RequiredServices.fromEnvironment().unavailable("PostgreSQL at " + admin, HOW_TO_RUN, e);
        }
        LOG.info("test database {} created on {}", database, admin);
        return new TestPostgres(admin, database);
    }

    /** A schema name not used before in this run. */
    public String newSchema() {
        return "t" + schemas.incrementAndGet();
    }

    /** The run's database as a {@code state} URL for KMB, its tables in {@code schema}. */
    public String url(String schema) {
        String base = databaseJdbcUrl().substring("jdbc:".length());
        String info = admin.user().map(u -> encode(u) + admin.password().map(p -> ":" + encode(p)).orElse("") + "@")
                .orElse("");
        return base.replaceFirst("postgresql://", "postgresql://" + info.replace("$", "\\$"))
                + (base.contains("?") ? "&" : "?") + "schema=" + schema;
    }

    /** The store's configuration for the run's database, its tables in {@code schema}. */
    public PostgresStoreConfig config(String schema) {
        return PostgresStoreConfig.parse(url(schema));
    }

    /** A plain connection to the run's database with {@code search_path} set to {@code schema}, as psql would have. */
    public Connection connect(String schema) throws SQLException {
        Connection c = connect(databaseJdbcUrl(), admin);
        c.setSchema(schema);
        return c;
    }

    private String databaseJdbcUrl() {
        return admin.jdbcUrl().replaceFirst("^(jdbc:postgresql://[^/]*/)[^?]*", "$1" + database);
    }

    private static Connection connect(String jdbcUrl, PostgresStoreConfig admin) throws SQLException {
        Properties p = new Properties();
        admin.user().ifPresent(u -> p.setProperty("user", u));
        admin.password().ifPresent(pw -> p.setProperty("password", pw));
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(jdbcUrl, p);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Drops the run's database, closing whatever connections a test left open. */
    @Override
    public void close() throws SQLException {
        try (Connection c = connect(admin.jdbcUrl(), admin); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
        LOG.info("test database {} dropped", database);
    }
}
