package dev.kmb.testing;

import java.net.URLDecoder;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    // scheme, optional user[:password]@, host part, database, optional query
    private static final Pattern URL = Pattern.compile(
            "(?:jdbc:)?postgres(?:ql)?://(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)/?([^?]*)(?:\\?(.*))?");

    private final String userInfo; // "user:password@" as given (still percent-encoded), or ""
    private final Properties login;
    private final String hosts;
    private final String adminDatabase;
    private final String query; // "" or "?..."
    private final String database;
    private final AtomicInteger schemas = new AtomicInteger();

    private TestPostgres(String url, String database) {
        Matcher m = URL.matcher(url.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(URL_ENV + " = '" + url.replaceFirst(":[^:@/]*@", ":***@")
                    + "' is not postgresql://user:password@host:port/database");
        }
        this.login = new Properties();
        if (m.group(1) != null && !m.group(1).isEmpty()) {
            login.setProperty("user", decode(m.group(1)));
        }
        if (m.group(2) != null && !m.group(2).isEmpty()) {
            login.setProperty("password", decode(m.group(2)));
        }
        this.userInfo = m.group(1) == null ? "" : m.group(1) + (m.group(2) == null ? "" : ":" + m.group(2)) + "@";
        this.hosts = m.group(3);
        this.adminDatabase = m.group(4).isEmpty() ? "postgres" : m.group(4);
        this.query = m.group(5) == null || m.group(5).isEmpty() ? "" : "?" + m.group(5);
        this.database = database;
        login.setProperty("connectTimeout", "5");
    }

    /**
     * Creates the run's database; skips (or, under {@code KMB_REQUIRE_SERVICES=1}, fails) when the server cannot be
     * reached.
     */
    static TestPostgres create() {
        String env = System.getenv(URL_ENV);
        String url = env == null || env.isBlank() ? DEFAULT_URL : env;
        String database = "kmb_test_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"))
                + "_" + UUID.randomUUID().toString().substring(0, 8);
        TestPostgres pg = new TestPostgres(url, database);
        try (Connection c = pg.connectTo(pg.adminDatabase); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw RequiredServices.fromEnvironment().unavailable("PostgreSQL at " + pg.redacted(pg.adminDatabase),
                    HOW_TO_RUN, e);
        }
        LOG.info("test database {} created on {}", database, pg.redacted(pg.adminDatabase));
        return pg;
    }

    /** A schema name not used before in this run. */
    public String newSchema() {
        return "t" + schemas.incrementAndGet();
    }

    /** The run's database as a KMB {@code state} URL, its tables in {@code schema}. */
    public String url(String schema) {
        return "postgresql://" + userInfo + hosts + "/" + database + (query.isEmpty() ? "?" : query + "&")
                + "schema=" + schema;
    }

    /** A plain connection to the run's database with {@code search_path} set to {@code schema}, as psql would have. */
    public Connection connect(String schema) throws SQLException {
        Connection c = connectTo(database);
        c.setSchema(schema);
        return c;
    }

    private Connection connectTo(String db) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + hosts + "/" + db + query, login);
    }

    private String redacted(String db) {
        return "postgresql://" + userInfo.replaceFirst(":.*@", ":***@") + hosts + "/" + db + query;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Drops the run's database, closing whatever connections a test left open. */
    @Override
    public void close() throws SQLException {
        try (Connection c = connectTo(adminDatabase); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
        LOG.info("test database {} dropped", database);
    }
}
