package dev.kmb.bench.compare;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The systems {@code kmb bench compare} knows, by the name given on the command line: KMB (embedded, in this
 * JVM), KMB in Kafka mode (on the same in-process Kafka as the raw row), and the peers — local NATS, RabbitMQ and Redis servers,
 * and Kafka started in this JVM. Each says where it listens, the process whose CPU is its server's, and how to
 * start it when it is down.
 */
public enum ComparedSystem {

    /** KMB embedded, in-process, topic durability from {@code --kmb-durability} (default durable). */
    KMB("kmb", null, 0, null, null),
    /** KMB embedded with {@code persistent} topics: fsync (group commit) before the publish is acknowledged. */
    KMB_PERSISTENT("kmb-persistent", null, 0, null, null),
    /** KMB with its Kafka log backend against the in-process Kafka: the seam for the cluster-mode row. */
    KMB_KAFKA("kmb-kafka", null, 0, null, null),
    NATS("nats", "127.0.0.1", 4222, "nats-server",
            "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js"
                    + " -sd /var/lib/nats-server -l /var/log/nats-server.log"),
    RABBITMQ("rabbitmq", "127.0.0.1", 5672, "beam.smp", "rabbitmq-server -detached"),
    REDIS("redis", "127.0.0.1", 6379, "redis-server",
            "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save \"\" --appendonly no"
                    + " --dir /var/lib/redis --logfile /var/log/redis/ci.log"),
    /** Raw kafka-clients producer → consumer against a KRaft broker started in this JVM. */
    KAFKA("kafka", null, 0, null, null);

    /** What {@code --systems} runs when not given. */
    public static final String DEFAULT_LIST = "kmb,nats,rabbitmq,redis,kafka";

    private final String id;
    private final String host;
    private final int port;
    private final String processName;
    private final String startCommand;

    ComparedSystem(String id, String host, int port, String processName, String startCommand) {
        this.id = id;
        this.host = host;
        this.port = port;
        this.processName = processName;
        this.startCommand = startCommand;
    }

    /** The name on the command line and in the results. */
    public String id() {
        return id;
    }

    /** True for a server outside this JVM that must be running already. */
    public boolean isExternal() {
        return host != null;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The server's process name ({@code /proc/<pid>/comm}), for its CPU time; empty for in-process ones. */
    public Optional<String> processName() {
        return Optional.ofNullable(processName);
    }

    /** How to start the local server; empty for in-process ones. */
    public Optional<String> startCommand() {
        return Optional.ofNullable(startCommand);
    }

    /** True for KMB's own rows (the baseline of the ratio is {@link #KMB}). */
    public boolean isKmb() {
        return this == KMB || this == KMB_PERSISTENT || this == KMB_KAFKA;
    }

    /** One system by name. */
    public static ComparedSystem of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (ComparedSystem s : values()) {
            if (s.id.equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown system '" + name.trim() + "': expected one of " + names());
    }

    /** A comma-separated list, in the order given; empty entries, unknown names and repeats are refused. */
    public static List<ComparedSystem> parseList(String csv) {
        if (csv == null || csv.isBlank()) {
            throw new IllegalArgumentException("no systems given: expected some of " + names());
        }
        Set<ComparedSystem> out = new LinkedHashSet<>();
        for (String part : csv.split(",", -1)) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("empty name in system list '" + csv + "'");
            }
            if (!out.add(of(part))) {
                throw new IllegalArgumentException("system '" + part.trim() + "' is listed twice");
            }
        }
        return new ArrayList<>(out);
    }

    private static String names() {
        List<String> n = new ArrayList<>();
        for (ComparedSystem s : values()) {
            n.add(s.id);
        }
        return String.join(", ", n);
    }
}
