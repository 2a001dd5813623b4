package dev.kmb.server;

import dev.kmb.broker.BrokerConfig;
import dev.kmb.broker.store.StateLocation;
import dev.kmb.broker.TransactionConfig;
import dev.kmb.core.EnvelopeLimits;
import dev.kmb.log.spi.Durability;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The server's settings after the config file, environment and CLI flags are merged and validated; every
 * default sits next to its key below, and every refusal names the {@code kmb.yaml} key and the bad value.
 * Immutable. (Loading {@code kmb.yaml} and the flags that override it live in {@link ServerConfigLoader}.)
 *
 * <p>Protected by default: without authentication ({@code kmb.security.authentication: none}, the only choice
 * until authentication arrives) the server binds to loopback only, and a non-loopback host is refused.
 *
 * @param host              {@code kmb.server.host}: address to bind (default 127.0.0.1)
 * @param port              {@code kmb.server.port}: HTTP port, 0 picks a free one (default 8080)
 * @param maxRequestBytes   {@code kmb.server.max_request_bytes}: largest request body, answered 413 above it
 *                          (default {@link #defaultMaxRequestBytes}: room for a batch, capped at 64 MiB)
 * @param dataDir           {@code kmb.broker.data_dir}: where the log ({@code log/}) and the state live (default ./data)
 * @param autoCreateTopics  {@code kmb.broker.topics.auto_create}: publishing to an unknown topic creates it (default false)
 * @param maxMessageBytes   {@code kmb.broker.max_message_bytes}: largest accepted envelope (default 1 MiB)
 * @param defaultDurability {@code kmb.durability.default}: durability of topics created without one (default persistent)
 * @param authentication    {@code kmb.security.authentication}: how clients prove who they are (default none)
 * @param metricsEnabled    {@code kmb.monitoring.metrics.enabled}: serve {@code GET /metrics} (default true)
 * @param logLevel          {@code kmb.monitoring.logging.level}: trace|debug|info|warn|error (default info)
 * @param logFormat         {@code kmb.monitoring.logging.format}: text|json (default text)
 * @param state             {@code kmb.broker.state}: where topics, subscriptions and cursors live: {@code sqlite}
 *                          ({@code <data_dir>/state.db}, the default) or {@code postgresql://user:pass@host:port/db}
 *                          (shared by every node pointed at it; see docs/state-store.md)
 * @param transactions      {@code kmb.transactions.default_timeout} (seconds, default 60) and
 *                          {@code kmb.transactions.max_timeout} (seconds, default 900)
 * @param backend           {@code kmb.broker.backend}: {@code embedded} (default) or {@code kafka} (see {@link LogBackend})
 * @param dedupMaxIds       {@code kmb.broker.dedup.max_ids}: message ids all topics' dedup windows hold together, the
 *                          oldest forgotten early beyond it (default {@value BrokerConfig#DEFAULT_DEDUP_MAX_IDS},
 *                          about 55 bytes of heap each)
 */
public record ServerConfig(String host, int port, long maxRequestBytes, Path dataDir, boolean autoCreateTopics,
                           int maxMessageBytes, Durability defaultDurability, Authentication authentication,
                           boolean metricsEnabled, String logLevel, LogFormat logFormat, StateLocation state,
                           TransactionConfig transactions, LogBackend backend, int dedupMaxIds) {

    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final Path DEFAULT_DATA_DIR = Path.of("data");
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;
    /** Upper bound of the derived request limit: a request body is held in memory while it is decoded. */
    public static final long MAX_DERIVED_REQUEST_BYTES = 64L << 20;
    public static final Durability DEFAULT_DURABILITY = Durability.PERSISTENT;
    public static final String DEFAULT_LOG_LEVEL = "info";
    static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");

    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    /** How clients authenticate; only {@code none} exists until the security issue lands. */
    public enum Authentication {
        NONE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How log lines are written. */
    public enum LogFormat {
        TEXT, JSON;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(defaultDurability, "defaultDurability");
        Objects.requireNonNull(authentication, "authentication");
        Objects.requireNonNull(logFormat, "logFormat");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(transactions, "transactions");
        if (host.isBlank()) {
            throw new IllegalArgumentException("kmb.server.host = '' must name an address");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("kmb.server.port = " + port + " must be in 0..65535");
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("kmb.broker.max_message_bytes = " + maxMessageBytes + " must be at least 1024");
        }
        if (maxRequestBytes < maxMessageBytes) {
            throw new IllegalArgumentException("kmb.server.max_request_bytes = " + maxRequestBytes
                    + " must be at least kmb.broker.max_message_bytes (" + maxMessageBytes + ")");
        }
        if (maxRequestBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("kmb.server.max_request_bytes = " + maxRequestBytes + " must be below 2 GiB");
        }
        Objects.requireNonNull(logLevel, "logLevel");
        if (!LOG_LEVELS.contains(logLevel)) {
            throw new IllegalArgumentException("kmb.monitoring.logging.level = '" + logLevel + "' must be one of "
                    + "trace, debug, info, warn, error");
        }
        if (dedupMaxIds < 1) {
            throw new IllegalArgumentException("kmb.broker.dedup.max_ids = " + dedupMaxIds + " must be at least 1");
        }
        if (authentication == Authentication.NONE && !isLoopback(host)) {
            throw new IllegalArgumentException("kmb.server.host = '" + host + "' is not a loopback address, and "
                    + "kmb.security.authentication is none: without authentication KMB serves 127.0.0.1 only "
                    + "(protected by default; authentication arrives in a later release)");
        }
    }

    /** Every setting but the state and transactions, which take their defaults ({@code sqlite}). */
    public ServerConfig(String host, int port, long maxRequestBytes, Path dataDir, boolean autoCreateTopics,
                        int maxMessageBytes, Durability defaultDurability, Authentication authentication,
                        boolean metricsEnabled, String logLevel, LogFormat logFormat) {
        this(host, port, maxRequestBytes, dataDir, autoCreateTopics, maxMessageBytes, defaultDurability, authentication,
                metricsEnabled, logLevel, logFormat, StateLocation.SQLITE, TransactionConfig.defaults(), LogBackend.EMBEDDED,
                BrokerConfig.DEFAULT_DEDUP_MAX_IDS);
    }

    /** The old five-setting form: everything else at its default. */
    public ServerConfig(String host, int port, Path dataDir, boolean autoCreateTopics, int maxMessageBytes) {
        this(host, port, defaultMaxRequestBytes(maxMessageBytes), dataDir, autoCreateTopics, maxMessageBytes,
                DEFAULT_DURABILITY, Authentication.NONE, true, DEFAULT_LOG_LEVEL, LogFormat.TEXT);
    }

    /** Loopback, port 8080, ./data: what {@code ./kmb serve} runs with. */
    public static ServerConfig defaults() {
        return new ServerConfig(LOOPBACK, DEFAULT_PORT, DEFAULT_DATA_DIR, false, DEFAULT_MAX_MESSAGE_BYTES);
    }

    /** Room for a full batch of the largest envelopes, capped at {@value #MAX_DERIVED_REQUEST_BYTES} bytes. */
    public static long defaultMaxRequestBytes(int maxMessageBytes) {
        long batch = (long) maxMessageBytes * EnvelopeLimits.DEFAULT_MAX_BATCH_MESSAGES;
        return Math.max(maxMessageBytes + 64L * 1024, Math.min(batch, MAX_DERIVED_REQUEST_BYTES));
    }

    /** True for 127.0.0.0/8, ::1 and localhost, judged from the text alone (no name lookup). */
    public static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equalsIgnoreCase("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")
                || IPV4_LOOPBACK.matcher(h).matches();
    }

    public ServerConfig withPort(int value) {
        return new ServerConfig(host, value, maxRequestBytes, dataDir, autoCreateTopics, maxMessageBytes,
                defaultDurability, authentication, metricsEnabled, logLevel, logFormat, state, transactions, backend, dedupMaxIds);
    }

    public ServerConfig withDataDir(Path value) {
        return new ServerConfig(host, port, maxRequestBytes, value, autoCreateTopics, maxMessageBytes,
                defaultDurability, authentication, metricsEnabled, logLevel, logFormat, state, transactions, backend, dedupMaxIds);
    }

    public ServerConfig withTransactions(TransactionConfig value) {
        return new ServerConfig(host, port, maxRequestBytes, dataDir, autoCreateTopics, maxMessageBytes,
                defaultDurability, authentication, metricsEnabled, logLevel, logFormat, state, value, backend, dedupMaxIds);
    }

    public ServerConfig withAutoCreateTopics(boolean value) {
        return new ServerConfig(host, port, maxRequestBytes, dataDir, value, maxMessageBytes,
                defaultDurability, authentication, metricsEnabled, logLevel, logFormat, state, transactions, backend, dedupMaxIds);
    }

    public ServerConfig withDedupMaxIds(int value) {
        return new ServerConfig(host, port, maxRequestBytes, dataDir, autoCreateTopics, maxMessageBytes,
                defaultDurability, authentication, metricsEnabled, logLevel, logFormat, state, transactions, backend, value);
    }

    public ServerConfig withState(StateLocation value) {
        return new ServerConfig(host, port, maxRequestBytes, dataDir, autoCreateTopics, maxMessageBytes,
                defaultDurability, authentication, metricsEnabled, logLevel, logFormat, value, transactions, backend, dedupMaxIds);
    }

    public ServerConfig withBackend(LogBackend value) {
        return new ServerConfig(host, port, maxRequestBytes, dataDir, autoCreateTopics, maxMessageBytes,
                defaultDurability, authentication, metricsEnabled, logLevel, logFormat, state, transactions, value, dedupMaxIds);
    }
}
