package dev.kmb.broker.store;

import dev.kmb.broker.spi.StateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;

/**
 * Where the broker's state lives, as the {@code state} setting names it: {@code sqlite} (the embedded default, a file
 * in the data directory) or a PostgreSQL URL ({@link PostgresStoreConfig}). Immutable.
 */
public sealed interface StateLocation {

    /** The embedded store: {@code <dataDir>/state.db}. */
    record Sqlite() implements StateLocation {
        @Override
        public StateStore open(Path dataDir, Clock clock) {
            return SqliteStateStore.open(dataDir, clock);
        }

        @Override
        public String toString() {
            return "sqlite";
        }
    }

    /** A PostgreSQL database, shared by every bus node pointed at it. */
    record Postgres(PostgresStoreConfig config) implements StateLocation {
        public Postgres {
            Objects.requireNonNull(config, "config");
        }

        @Override
        public StateStore open(Path dataDir, Clock clock) {
            return PostgresStateStore.open(config, clock);
        }

        @Override
        public String toString() {
            return config.toString();
        }
    }

    /** The embedded default. */
    StateLocation SQLITE = new Sqlite();

    /**
     * {@code sqlite}, or {@code postgresql://user:password@host:port/database?schema=&pool_size=} (also
     * {@code postgres://}, {@code jdbc:postgresql://}).
     *
     * @throws IllegalArgumentException saying what is accepted (never echoing a password)
     */
    static StateLocation parse(String text) {
        String t = text.trim();
        if (t.toLowerCase(Locale.ROOT).equals("sqlite")) {
            return SQLITE;
        }
        if (PostgresStoreConfig.looksLikePostgres(t)) {
            return new Postgres(PostgresStoreConfig.parse(t));
        }
        throw new IllegalArgumentException("must be sqlite or postgresql://user:password@host:port/database"
                + " (was '" + (t.contains("@") ? "…" + t.substring(t.lastIndexOf('@')) : t) + "')");
    }

    /** Opens (and migrates) the store; {@code dataDir} is used by the embedded store only. */
    StateStore open(Path dataDir, Clock clock);
}
