package dev.kmb.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.broker.Broker;
import dev.kmb.broker.BrokerConfig;
import dev.kmb.broker.BrokerMetrics;
import dev.kmb.broker.SnapshotService;
import dev.kmb.broker.spi.StateStore;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.EnvelopeLimits;
import dev.kmb.broker.ClusterMode;
import dev.kmb.broker.store.StateLocation;
import dev.kmb.kafka.KafkaLogConfig;
import dev.kmb.kafka.KafkaMessageLog;
import dev.kmb.log.EmbeddedLog;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.EmbeddedLogConfig;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.handler.GracefulHandler;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus as a process: opens the embedded log in the data directory and the state store its config names (SQLite
 * in the data directory, or PostgreSQL), starts the
 * broker and the HTTP/SSE/WebSocket server on virtual threads, and stops them in reverse order.
 * Thread-safe; {@link #close()} is idempotent.
 */
public final class KmbServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KmbServer.class);
    /** How long a graceful stop waits for in-flight requests. */
    static final long STOP_TIMEOUT_MILLIS = 5_000;

    private final MessageLog log;
    private final StateStore store;
    private final Broker broker;
    private final Javalin app;
    private final ServerContext context;
    private volatile boolean closed;

    private KmbServer(MessageLog log, StateStore store, Broker broker, Javalin app, ServerContext context) {
        this.log = log;
        this.store = store;
        this.broker = broker;
        this.app = app;
        this.context = context;
    }

    /** Starts everything; returns once the server answers. */
    public static KmbServer start(ServerConfig config) {
        long started = System.nanoTime();
        Clock clock = Clock.systemUTC();
        MessageLog log = openLog(config, clock);
        StateStore store;
        try {
            store = config.state().open(config.dataDir(), clock);
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EnvelopeCodec codec = new EnvelopeCodec(EnvelopeLimits.DEFAULT.withMaxEnvelopeBytes(config.maxMessageBytes()));
        BrokerConfig brokerConfig = BrokerConfig.defaults().withAutoCreateTopics(config.autoCreateTopics()).withClock(clock);
        brokerConfig = new BrokerConfig(brokerConfig.autoCreateTopics(),
                brokerConfig.defaultTopicSpec().withDurability(config.defaultDurability()), brokerConfig.readBatchRecords(),
                brokerConfig.interceptors(), brokerConfig.clock(), config.dedupMaxIds());
        Broker broker;
        try {
            if (config.backend() instanceof LogBackend.Kafka kafka && config.state() instanceof StateLocation.Postgres) {
                broker = Broker.startCluster(brokerConfig, ClusterMode.node(kafka.nodeId()),
                        config.transactions(), log, store, codec,
                        new BrokerMetrics(registry));
            } else {
                if (config.backend() instanceof LogBackend.Kafka) {
                    LOG.warn("the kafka backend with a per-node state store (sqlite) serves one node; give every node "
                            + "--state postgresql://… to run several");
                }
                broker = Broker.start(brokerConfig, config.transactions(), log, store, codec, new BrokerMetrics(registry));
            }
        } catch (RuntimeException e) {
            store.close();
            log.close();
            throw e;
        }
        SnapshotService snapshots;
        try {
            snapshots = SnapshotService.open(config.dataDir().resolve("snapshots"), broker, log, codec, clock);
        } catch (RuntimeException e) {
            broker.close();
            store.close();
            log.close();
            throw e;
        }
        ObjectMapper json = new ObjectMapper(dev.kmb.core.JsonFactories.pooled()).findAndRegisterModules();
        ServerContext context = new ServerContext(broker, codec, json, registry, new ConnectionMetrics(registry), config, clock,
                snapshots);
        Javalin app = Javalin.create(c -> {
            c.concurrency.useVirtualThreads = true;
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            c.startup.showJavalinBanner = false;
            c.http.maxRequestSize = config.maxRequestBytes();
            c.http.prefer405over404 = true;
            c.jsonMapper(new JavalinJackson(json, true));
            c.jetty.modifyServer(server -> {
                // graceful stop: connectors close first, in-flight requests get up to the stop timeout to finish
                server.setHandler(new GracefulHandler());
                server.setStopTimeout(STOP_TIMEOUT_MILLIS);
            });
            Routes.register(c, context);
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            broker.close();
            store.close();
            log.close();
            throw e;
        }
        KmbServer server = new KmbServer(log, store, broker, app, context);
        if (config.authentication() == ServerConfig.Authentication.NONE) {
            LOG.info("no authentication configured: serving loopback ({}) only", config.host());
        }
        LOG.info("KMB listening on http://{}:{} (data in {}, state in {}) — ready in {} ms", config.host(), app.port(),
                config.dataDir().toAbsolutePath(), config.state(), (System.nanoTime() - started) / 1_000_000);
        return server;
    }

    /** The embedded log in the data dir, or the Kafka log the config names. */
    private static MessageLog openLog(ServerConfig config, Clock clock) {
        if (config.backend() instanceof LogBackend.Kafka kafka) {
            return KafkaMessageLog.open(KafkaLogConfig.builder(kafka.bootstrapServers()).topicPrefix(kafka.topicPrefix())
                    .nodeId(kafka.nodeId()).clock(clock).build());
        }
        return EmbeddedLog.open(EmbeddedLogConfig.builder(config.dataDir().resolve("log")).clock(clock).build());
    }

    /** Every HTTP route registered, as {@code "METHOD /path"}, WebSocket routes as {@code "WS /path"}. */
    public List<String> routes() {
        List<String> out = new ArrayList<>();
        app.unsafe.internalRouter.allHttpHandlers().forEach(e -> {
            String method = e.endpoint.method.name();
            // a check before a WebSocket upgrade belongs to the WebSocket route, listed below
            if (!method.equals("WEBSOCKET_BEFORE_UPGRADE")) {
                out.add(method + " " + e.endpoint.path);
            }
        });
        app.unsafe.internalRouter.allWsHandlers().forEach(e -> out.add("WS " + e.getPath()));
        return out;
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return app.port();
    }

    public ServerContext context() {
        return context;
    }

    /** Graceful stop: no new connections, in-flight requests finish, ack state written, log flushed and closed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("KMB stopping");
        try {
            app.stop();
        } catch (RuntimeException e) {
            // Jetty gave in-flight requests (open streams included) STOP_TIMEOUT_MILLIS, then closed them
            LOG.warn("some requests did not finish within {} ms and were cut off: {}", STOP_TIMEOUT_MILLIS, e.toString());
        } finally {
            try {
                broker.close();
            } finally {
                try {
                    store.close();
                } finally {
                    log.close();
                }
            }
        }
        LOG.info("KMB stopped");
    }
}
