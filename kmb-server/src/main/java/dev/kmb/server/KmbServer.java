package dev.kmb.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.broker.Broker;
import dev.kmb.broker.BrokerConfig;
import dev.kmb.broker.BrokerMetrics;
import dev.kmb.broker.spi.StateStore;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.EnvelopeLimits;
import dev.kmb.log.EmbeddedLog;
import dev.kmb.log.EmbeddedLogConfig;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus as a process: opens the embedded log and the state store in the data directory, starts the
 * broker and the HTTP/SSE/WebSocket server on virtual threads, and stops them in reverse order.
 * Thread-safe; {@link #close()} is idempotent.
 */
public final class KmbServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KmbServer.class);

    private final EmbeddedLog log;
    private final StateStore store;
    private final Broker broker;
    private final Javalin app;
    private final ServerContext context;
    private volatile boolean closed;

    private KmbServer(EmbeddedLog log, StateStore store, Broker broker, Javalin app, ServerContext context) {
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
        EmbeddedLog log = EmbeddedLog.open(EmbeddedLogConfig.builder(config.dataDir().resolve("log")).clock(clock).build());
        StateStore store;
        try {
            store = dev.kmb.broker.store.SqliteStateStore.open(config.dataDir());
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EnvelopeCodec codec = new EnvelopeCodec(EnvelopeLimits.DEFAULT.withMaxEnvelopeBytes(config.maxMessageBytes()));
        Broker broker = Broker.start(BrokerConfig.defaults().withAutoCreateTopics(config.autoCreateTopics()).withClock(clock),
                log, store, codec, new BrokerMetrics(registry));
        ServerContext context = new ServerContext(broker, codec, new ObjectMapper().findAndRegisterModules(), registry, config, clock);
        Javalin app = Javalin.create(c -> {
            c.concurrency.useVirtualThreads = true;
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            c.startup.showJavalinBanner = false;
            Routes.register(c, context);
        });
        app.start();
        KmbServer server = new KmbServer(log, store, broker, app, context);
        LOG.info("KMB listening on http://{}:{} (data in {}) — ready in {} ms", config.host(), app.port(),
                config.dataDir().toAbsolutePath(), (System.nanoTime() - started) / 1_000_000);
        return server;
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
