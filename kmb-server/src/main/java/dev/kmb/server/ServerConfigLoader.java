package dev.kmb.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kmb.broker.BrokerConfig;
import dev.kmb.broker.store.StateLocation;
import dev.kmb.broker.TransactionConfig;
import dev.kmb.log.spi.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link ServerConfig} from {@code kmb.yaml}, the environment and CLI flags, in that order of
 * precedence (flags win). String values may use {@code ${VAR}} and {@code ${VAR:-default}}. Every problem
 * is reported at once, naming the key and the bad value; unknown keys are refused (a typo never passes
 * silently). The file's shape:
 *
 * <pre>
 * kmb:
 *   server:     {host: 127.0.0.1, port: 8080, max_request_bytes: 67108864}
 *   broker:     {data_dir: ./data, max_message_bytes: 1048576, topics: {auto_create: false},
 *                dedup: {max_ids: 1000000}, state: sqlite}          # or postgresql://user:pass@host:5432/db?schema=kmb&amp;pool_size=8
 *   durability: {default: persistent}
 *   security:   {authentication: none}
 *   monitoring: {metrics: {enabled: true}, logging: {level: info, format: text}}
 * </pre>
 *
 * Stateless apart from the injected environment; thread-safe.
 */
public final class ServerConfigLoader {

    /** Settings given on the command line; present ones override the file. */
    public record Overrides(Optional<String> host, Optional<Integer> port, Optional<Path> dataDir,
                            Optional<String> state, Optional<String> backend, Optional<String> kafkaBootstrap,
                            Optional<String> nodeId) {
        public Overrides(Optional<String> host, Optional<Integer> port, Optional<Path> dataDir) {
            this(host, port, dataDir, Optional.empty());
        }

        public Overrides(Optional<String> host, Optional<Integer> port, Optional<Path> dataDir, Optional<String> state) {
            this(host, port, dataDir, state, Optional.empty(), Optional.empty(), Optional.empty());
        }

        public static Overrides none() {
            return new Overrides(Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    static final String HOST = "kmb.server.host";
    static final String PORT = "kmb.server.port";
    static final String MAX_REQUEST_BYTES = "kmb.server.max_request_bytes";
    static final String DATA_DIR = "kmb.broker.data_dir";
    static final String MAX_MESSAGE_BYTES = "kmb.broker.max_message_bytes";
    static final String AUTO_CREATE = "kmb.broker.topics.auto_create";
    static final String DEDUP_MAX_IDS = "kmb.broker.dedup.max_ids";
    static final String DURABILITY = "kmb.durability.default";
    static final String AUTHENTICATION = "kmb.security.authentication";
    static final String METRICS = "kmb.monitoring.metrics.enabled";
    static final String LOG_LEVEL = "kmb.monitoring.logging.level";
    static final String LOG_FORMAT = "kmb.monitoring.logging.format";
    static final String STATE = "kmb.broker.state";
    static final String TXN_DEFAULT_TIMEOUT = "kmb.transactions.default_timeout";
    static final String TXN_MAX_TIMEOUT = "kmb.transactions.max_timeout";
    static final String BACKEND = "kmb.broker.backend";
    static final String KAFKA_BOOTSTRAP = "kmb.kafka.bootstrap_servers";
    static final String KAFKA_PREFIX = "kmb.kafka.topic_prefix";
    static final String NODE_ID = "kmb.cluster.node_id";
    static final Set<String> KEYS = Set.of(HOST, PORT, MAX_REQUEST_BYTES, DATA_DIR, MAX_MESSAGE_BYTES, AUTO_CREATE,
            DURABILITY, AUTHENTICATION, METRICS, LOG_LEVEL, LOG_FORMAT, STATE, TXN_DEFAULT_TIMEOUT, TXN_MAX_TIMEOUT,
            BACKEND, KAFKA_BOOTSTRAP, KAFKA_PREFIX, NODE_ID, DEDUP_MAX_IDS);

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Function<String, String> env;

    /** A loader reading variables from {@code env} (tests pass a map's {@code get}). */
    public ServerConfigLoader(Function<String, String> env) {
        this.env = env;
    }

    /** Loads with the process environment. */
    public static ServerConfig load(Optional<Path> file, Overrides overrides) {
        return new ServerConfigLoader(System::getenv).loadFile(file, overrides);
    }

    /** Reads {@code file} (when given; it must exist) and applies the overrides. */
    public ServerConfig loadFile(Optional<Path> file, Overrides overrides) {
        if (file.isEmpty()) {
            return parse("", overrides);
        }
        try {
            return parse(Files.readString(file.get()), overrides);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of("config file " + file.get() + " does not exist"));
        } catch (IOException e) {
            throw new ConfigException(List.of("config file " + file.get() + " cannot be read: " + e.getMessage()));
        }
    }

    /** Parses YAML text (empty means all defaults) and applies the overrides. */
    public ServerConfig parse(String yaml, Overrides overrides) {
        List<String> problems = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        JsonNode root;
        try {
            root = yaml.isBlank() ? null : YAML.readTree(yaml);
        } catch (IOException e) {
            throw new ConfigException(List.of("the config file is not valid YAML: " + e.getMessage()));
        }
        if (root != null && !root.isNull() && !root.isMissingNode()) {
            flatten("", root, values, problems);
        }
        Settings s = new Settings(values, problems);
        String host = overrides.host().orElseGet(() -> s.text(HOST, ServerConfig.LOOPBACK));
        int port = overrides.port().orElseGet(() -> (int) s.number(PORT, ServerConfig.DEFAULT_PORT, 0, 65535));
        Path dataDir = overrides.dataDir().orElseGet(() -> Path.of(s.text(DATA_DIR, ServerConfig.DEFAULT_DATA_DIR.toString())));
        int maxMessage = (int) s.number(MAX_MESSAGE_BYTES, ServerConfig.DEFAULT_MAX_MESSAGE_BYTES, 1024, Integer.MAX_VALUE);
        long maxRequest = s.number(MAX_REQUEST_BYTES, ServerConfig.defaultMaxRequestBytes(maxMessage), 1024, Integer.MAX_VALUE - 8);
        boolean autoCreate = s.bool(AUTO_CREATE, false);
        int dedupMaxIds = (int) s.number(DEDUP_MAX_IDS, BrokerConfig.DEFAULT_DEDUP_MAX_IDS, 1, Integer.MAX_VALUE);
        Durability durability = s.choice(DURABILITY, ServerConfig.DEFAULT_DURABILITY, Durability::fromWireName, "ephemeral, durable, persistent");
        ServerConfig.Authentication auth = s.choice(AUTHENTICATION, ServerConfig.Authentication.NONE,
                v -> ServerConfig.Authentication.valueOf(v.toUpperCase(Locale.ROOT)),
                "none (API keys, JWT and mTLS arrive in a later release)");
        boolean metrics = s.bool(METRICS, true);
        String level = s.choice(LOG_LEVEL, ServerConfig.DEFAULT_LOG_LEVEL, v -> {
            String l = v.toLowerCase(Locale.ROOT);
            if (!ServerConfig.LOG_LEVELS.contains(l)) {
                throw new IllegalArgumentException(v);
            }
            return l;
        }, "trace, debug, info, warn, error");
        ServerConfig.LogFormat format = s.choice(LOG_FORMAT, ServerConfig.LogFormat.TEXT,
                v -> ServerConfig.LogFormat.valueOf(v.toUpperCase(Locale.ROOT)), "text, json");
        StateLocation state = s.state(overrides.state());
        LogBackend backend = backend(s, overrides, host, port, problems);
        TransactionConfig txnDefaults = TransactionConfig.defaults();
        long txnDefault = s.number(TXN_DEFAULT_TIMEOUT, txnDefaults.defaultTimeout().toSeconds(), 1, 86_400);
        long txnMax = s.number(TXN_MAX_TIMEOUT, txnDefaults.maxTimeout().toSeconds(), 1, 86_400);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        try {
            TransactionConfig transactions = new TransactionConfig(Duration.ofSeconds(txnDefault), Duration.ofSeconds(txnMax),
                    txnDefaults.sweepInterval());
            return new ServerConfig(host, port, maxRequest, dataDir, autoCreate, maxMessage, durability, auth, metrics, level, format,
                    state, transactions, backend, dedupMaxIds);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of(e.getMessage()));
        }
    }

    /** {@code embedded} (default) or {@code kafka}, which needs bootstrap servers; flags win over the file. */
    private static LogBackend backend(Settings s, Overrides overrides, String host, int port, List<String> problems) {
        String name = overrides.backend().orElseGet(() -> s.text(BACKEND, "embedded")).trim().toLowerCase(Locale.ROOT);
        if (name.equals("embedded")) {
            return LogBackend.EMBEDDED;
        }
        if (!name.equals("kafka")) {
            problems.add((overrides.backend().isPresent() ? "--backend" : BACKEND) + " = '" + name
                    + "' must be one of embedded, kafka");
            return LogBackend.EMBEDDED;
        }
        String bootstrap = overrides.kafkaBootstrap().orElseGet(() -> s.text(KAFKA_BOOTSTRAP, ""));
        if (bootstrap.isBlank()) {
            problems.add("the kafka backend needs " + KAFKA_BOOTSTRAP + " (or --kafka-bootstrap host:port); "
                    + "./kmb kafka-local start runs one on localhost:9092");
            return LogBackend.EMBEDDED;
        }
        String nodeId = overrides.nodeId().orElseGet(() -> s.text(NODE_ID, defaultNodeId(host, port)));
        if (nodeId.isBlank() || nodeId.length() > 200) {
            problems.add((overrides.nodeId().isPresent() ? "--node-id" : NODE_ID) + " must be 1..200 characters");
            return LogBackend.EMBEDDED;
        }
        return new LogBackend.Kafka(bootstrap.trim(), s.text(KAFKA_PREFIX, "kmb."), nodeId);
    }

    /** {@code <host name>-<port>}: stable across restarts of one node, unique among nodes on distinct hosts or ports. */
    private static String defaultNodeId(String host, int port) {
        String name;
        try {
            name = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            name = "node";
        }
        return name + "-" + (port == 0 ? java.util.UUID.randomUUID().toString().substring(0, 8) : String.valueOf(port));
    }

    private void flatten(String prefix, JsonNode node, Map<String, String> out, List<String> problems) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
                if (KEYS.contains(key)) {
                    if (f.getValue().isContainerNode()) {
                        problems.add(key + " must be a single value, not a " + (f.getValue().isArray() ? "list" : "map"));
                    } else if (!f.getValue().isNull()) {
                        substitute(key, f.getValue().asText(), problems).ifPresent(v -> out.put(key, v));
                    }
                } else if (KEYS.stream().anyMatch(k -> k.startsWith(key + ".")) && (f.getValue().isObject() || f.getValue().isNull())) {
                    flatten(key, f.getValue(), out, problems);
                } else {
                    problems.add("unknown key " + key + " (known keys: " + String.join(", ", KEYS.stream().sorted().toList()) + ")");
                }
            }
        } else if (!node.isNull()) {
            problems.add((prefix.isEmpty() ? "the config file" : prefix) + " must be a map of settings");
        }
    }

    /** Replaces {@code ${VAR}} and {@code ${VAR:-default}}; an unset variable without default is a problem. */
    private Optional<String> substitute(String key, String value, List<String> problems) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        boolean ok = true;
        while (m.find()) {
            String v = env.apply(m.group(1));
            if (v == null || (v.isEmpty() && m.group(2) != null)) {
                v = m.group(3);
            }
            if (v == null) {
                problems.add(key + " = '" + value + "': environment variable " + m.group(1)
                        + " is not set (give a default with ${" + m.group(1) + ":-value})");
                ok = false;
                v = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return ok ? Optional.of(out.toString()) : Optional.empty();
    }

    /** Typed reads of the flattened values, recording problems instead of failing on the first. */
    private record Settings(Map<String, String> values, List<String> problems) {

        String text(String key, String fallback) {
            return values.getOrDefault(key, fallback);
        }

        long number(String key, long fallback, long min, long max) {
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                long n = Long.parseLong(v.trim());
                if (n < min || n > max) {
                    problems.add(key + " = " + v + " must be in " + min + ".." + max);
                    return fallback;
                }
                return n;
            } catch (NumberFormatException e) {
                problems.add(key + " = '" + v + "' is not a whole number");
                return fallback;
            }
        }

        boolean bool(String key, boolean fallback) {
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            return switch (v.trim().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> {
                    problems.add(key + " = '" + v + "' must be true or false");
                    yield fallback;
                }
            };
        }

        /** The flag (already substituted by the shell) wins over the file; the message never repeats a password. */
        StateLocation state(Optional<String> flag) {
            String v = flag.orElse(values.get(STATE));
            if (v == null) {
                return StateLocation.SQLITE;
            }
            try {
                return StateLocation.parse(v);
            } catch (IllegalArgumentException e) {
                problems.add((flag.isPresent() ? "--state" : STATE) + ": " + e.getMessage());
                return StateLocation.SQLITE;
            }
        }

        <T> T choice(String key, T fallback, Function<String, T> parse, String allowed) {
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                return parse.apply(v.trim());
            } catch (IllegalArgumentException e) {
                problems.add(key + " = '" + v + "' must be one of " + allowed);
                return fallback;
            }
        }
    }
}
