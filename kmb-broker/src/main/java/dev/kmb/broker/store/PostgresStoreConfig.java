package dev.kmb.broker.store;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the PostgreSQL state store connects, parsed from a URL in libpq's form
 * {@code postgresql://user:password@host:port/database?param=value} (also {@code postgres://} and pgjdbc's own
 * {@code jdbc:postgresql://}). Two parameters are KMB's and are taken out of the URL: {@code schema} (the schema
 * the tables live in, created if missing; default the connection's {@code search_path}, normally {@code public}) and
 * {@code pool_size} (connections per bus node, default {@value #DEFAULT_POOL_SIZE}); {@code user} and
 * {@code password} may be parameters too; every other parameter
 * ({@code sslmode}, {@code connectTimeout}, ...) goes to pgjdbc unchanged. Immutable; {@link #toString()} hides the
 * password.
 *
 * @param jdbcUrl  the pgjdbc URL, without user information and without KMB's parameters
 * @param user     empty: pgjdbc's default (the {@code user} parameter, else the OS user)
 * @param password empty: none (trust, peer or a {@code .pgpass} file)
 * @param schema   the tables' schema; empty: the connection's default
 * @param poolSize most connections this node holds open
 */
public record PostgresStoreConfig(String jdbcUrl, Optional<String> user, Optional<String> password,
                                  Optional<String> schema, int poolSize) {

    /** Connections per node when the URL does not say: the ack path batches, so a few go a long way. */
    public static final int DEFAULT_POOL_SIZE = 8;
    /** Upper bound of {@code pool_size}: a typo must not exhaust the database's {@code max_connections}. */
    public static final int MAX_POOL_SIZE = 200;

    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String FORM = "postgresql://user:password@host:port/database[?schema=kmb&pool_size=8]";

    public PostgresStoreConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(schema, "schema");
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("not a pgjdbc URL: " + jdbcUrl);
        }
        schema.ifPresent(s -> {
            if (!SCHEMA.matcher(s).matches()) {
                throw new IllegalArgumentException("schema '" + s + "' must be a lower-case SQL name: [a-z_][a-z0-9_]*,"
                        + " at most 63 characters");
            }
        });
        if (poolSize < 1 || poolSize > MAX_POOL_SIZE) {
            throw new IllegalArgumentException("pool_size = " + poolSize + " must be in 1.." + MAX_POOL_SIZE);
        }
    }

    /** True when {@code text} is meant as a PostgreSQL URL (by its scheme), valid or not. */
    public static boolean looksLikePostgres(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        return t.startsWith("postgresql://") || t.startsWith("postgres://") || t.startsWith("jdbc:postgresql://");
    }

    /**
     * Parses a URL of the forms above.
     *
     * @throws IllegalArgumentException naming what is wrong (the password never appears in the message)
     */
    public static PostgresStoreConfig parse(String url) {
        String text = url.trim();
        String lower = text.toLowerCase(Locale.ROOT);
        String rest;
        if (lower.startsWith("jdbc:postgresql://")) {
            rest = text.substring("jdbc:postgresql://".length());
        } else if (lower.startsWith("postgresql://")) {
            rest = text.substring("postgresql://".length());
        } else if (lower.startsWith("postgres://")) {
            rest = text.substring("postgres://".length());
        } else {
            throw new IllegalArgumentException("'" + redact(text) + "' is not a PostgreSQL URL (" + FORM + ")");
        }
        int queryAt = rest.indexOf('?');
        String query = queryAt < 0 ? "" : rest.substring(queryAt + 1);
        String beforeQuery = queryAt < 0 ? rest : rest.substring(0, queryAt);
        int pathAt = beforeQuery.indexOf('/');
        String authority = pathAt < 0 ? beforeQuery : beforeQuery.substring(0, pathAt);
        String database = pathAt < 0 ? "" : beforeQuery.substring(pathAt + 1);
        int at = authority.lastIndexOf('@'); // a password may hold '@' only percent-encoded, but be lenient
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        if (at >= 0) {
            String info = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = info.indexOf(':');
            user = nonEmpty(decode(colon < 0 ? info : info.substring(0, colon)));
            password = colon < 0 ? Optional.empty() : nonEmpty(decode(info.substring(colon + 1)));
        }
        if (authority.isEmpty()) {
            throw new IllegalArgumentException("'" + redact(text) + "' names no host (" + FORM + ")");
        }
        Optional<String> schema = Optional.empty();
        int poolSize = DEFAULT_POOL_SIZE;
        List<String> passOn = new ArrayList<>();
        for (String param : query.isEmpty() ? new String[0] : query.split("&")) {
            int eq = param.indexOf('=');
            String key = decode(eq < 0 ? param : param.substring(0, eq));
            String value = eq < 0 ? "" : decode(param.substring(eq + 1));
            switch (key) {
                case "schema" -> schema = nonEmpty(value);
                case "pool_size" -> {
                    try {
                        poolSize = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("pool_size = '" + value + "' is not a whole number");
                    }
                }
                // taken out like the user information, so that no URL that is logged holds a password
                case "user" -> user = nonEmpty(value);
                case "password" -> password = nonEmpty(value);
                default -> passOn.add(param);
            }
        }
        String jdbcUrl = "jdbc:postgresql://" + authority + "/" + database
                + (passOn.isEmpty() ? "" : "?" + String.join("&", passOn));
        return new PostgresStoreConfig(jdbcUrl, user, password, schema, poolSize);
    }

    /** The URL as safe to log: user, host, database, schema and pool size; never the password. */
    @Override
    public String toString() {
        String url = jdbcUrl.substring("jdbc:".length());
        String info = user.map(u -> u + password.map(p -> ":***").orElse("") + "@").orElse("");
        return url.replaceFirst("postgresql://", "postgresql://" + info.replace("$", "\\$"))
                + schema.map(s -> (url.contains("?") ? "&" : "?") + "schema=" + s).orElse("")
                + (poolSize == DEFAULT_POOL_SIZE ? "" : (url.contains("?") || schema.isPresent() ? "&" : "?")
                + "pool_size=" + poolSize);
    }

    private static String redact(String url) {
        return url.replaceFirst("(//[^/:@]*:)[^@/]*@", "$1***@");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static Optional<String> nonEmpty(String s) {
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
