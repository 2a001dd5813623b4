package dev.kmb.server;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.kmb.broker.PartitionLag;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's routes: {@code GET /v1/health}, {@code GET /metrics} (Prometheus text; subscription lag is
 * computed at scrape time) and {@code GET /v1/openapi.json}. Thread-safe.
 */
final class AdminRoutes {

    static final String OPENAPI_RESOURCE = "/dev/kmb/server/openapi.json";
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** Longest a scrape waits for one subscription's lag before it skips it. */
    private static final long LAG_TIMEOUT_MILLIS = 500;

    private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);

    private final ServerContext context;
    private final Instant startedAt;
    private final byte[] openApi;
    private final MultiGauge lagPending;
    private final MultiGauge lagInFlight;
    private final ReentrantLock scrapeLock = new ReentrantLock();

    private AdminRoutes(ServerContext context) {
        this.context = context;
        this.startedAt = context.clock().instant();
        this.openApi = loadOpenApi();
        this.lagPending = MultiGauge.builder("kmb.subscription.lag.pending")
                .description("messages of a subscription not yet acked").register(context.metrics());
        this.lagInFlight = MultiGauge.builder("kmb.subscription.lag.in_flight")
                .description("messages of a subscription delivered and awaiting an ack").register(context.metrics());
    }

    static void register(JavalinConfig config, ServerContext context) {
        AdminRoutes r = new AdminRoutes(context);
        config.routes.get("/v1/health", r::health);
        config.routes.get("/v1/openapi.json", r::openApi);
        if (context.config().metricsEnabled()) {
            config.routes.get("/metrics", r::metrics);
        }
    }

    /** {@code GET /v1/health}: answered once the broker has started, so it doubles as readiness. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Health(String status, String startedAt, long uptimeSeconds) {
    }

    private void health(Context ctx) {
        Instant now = context.clock().instant();
        ctx.json(new Health("ok", startedAt.toString(), Duration.between(startedAt, now).toSeconds()));
    }

    private void openApi(Context ctx) {
        ctx.contentType("application/json").result(openApi);
    }

    private void metrics(Context ctx) {
        scrapeLock.lock(); // scrapes refresh shared gauges; one at a time
        try {
            refreshLag(HttpRoutes.tenant(ctx));
            ctx.contentType(PROMETHEUS_TEXT).result(context.metrics().scrape());
        } finally {
            scrapeLock.unlock();
        }
    }

    private void refreshLag(TenantId tenant) {
        List<MultiGauge.Row<?>> pending = new ArrayList<>();
        List<MultiGauge.Row<?>> inFlight = new ArrayList<>();
        List<SubscriptionRecord> subs = context.broker().subscriptions().list(tenant);
        List<CompletableFuture<List<PartitionLag>>> lags = new ArrayList<>();
        for (SubscriptionRecord s : subs) {
            lags.add(context.broker().subscriptions().lag(tenant, s.name()));
        }
        for (int i = 0; i < subs.size(); i++) {
            try {
                List<PartitionLag> lag = lags.get(i).get(LAG_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                Tags tags = Tags.of("subscription", subs.get(i).name());
                pending.add(MultiGauge.Row.of(tags, lag.stream().mapToLong(PartitionLag::pending).sum()));
                inFlight.add(MultiGauge.Row.of(tags, lag.stream().mapToLong(PartitionLag::inFlight).sum()));
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.debug("lag of subscription {} skipped in this scrape: {}", subs.get(i).name(), e.toString());
            }
        }
        lagPending.register(pending, true);
        lagInFlight.register(inFlight, true);
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = AdminRoutes.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the server jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
