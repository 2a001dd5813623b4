package dev.kmb.server;

import dev.kmb.broker.AckResult;
import dev.kmb.broker.PartitionLag;
import dev.kmb.broker.SubscriptionService;
import dev.kmb.broker.spi.Ordering;
import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Durable subscriptions over plain HTTP: create, list, get, delete, and settling (ack, nack, seek) and lag.
 * Streaming the messages is the SSE/WebSocket routes' job. Stateless; thread-safe.
 */
final class SubscriptionRoutes {

    private final ServerContext context;
    private final SubscriptionService subscriptions;

    private SubscriptionRoutes(ServerContext context) {
        this.context = context;
        this.subscriptions = context.broker().subscriptions();
    }

    static void register(JavalinConfig config, ServerContext context) {
        SubscriptionRoutes r = new SubscriptionRoutes(context);
        config.routes.post("/v1/subscriptions", r::create);
        config.routes.get("/v1/subscriptions", r::list);
        config.routes.get("/v1/subscriptions/{name}", r::get);
        config.routes.delete("/v1/subscriptions/{name}", r::delete);
        config.routes.post("/v1/subscriptions/{name}/ack", r::ack);
        config.routes.post("/v1/subscriptions/{name}/nack", r::nack);
        config.routes.post("/v1/subscriptions/{name}/term", r::term);
        config.routes.post("/v1/subscriptions/{name}/seek", r::seek);
        config.routes.get("/v1/subscriptions/{name}/lag", r::lag);
    }

    private void create(Context ctx) {
        SubscriptionBodies.CreateSubscription b = RequestBodies.read(ctx, context.json(), SubscriptionBodies.CreateSubscription.class);
        FieldChecks checks = new FieldChecks();
        if (b.name() == null) {
            checks.fail("/name", "name is required");
        }
        if (b.pattern() == null) {
            checks.fail("/pattern", "pattern is required");
        }
        checks.throwIfAny();
        TopicPattern pattern = TopicPattern.of(b.pattern()); // 400 invalid_pattern
        String name = checks.check("/name", () -> SubscriptionRecord.checkName(b.name()), b.name());
        SubscriptionRecord.Builder builder = SubscriptionRecord.builder(HttpRoutes.tenant(ctx), name, pattern);
        if (b.mode() != null) {
            builder.mode(checks.check("/mode", () -> SubscriptionMode.fromWireName(b.mode()), SubscriptionRecord.DEFAULT_MODE));
        }
        if (b.start() != null) {
            builder.start(checks.check("/start", () -> StartPosition.parse(b.start()), SubscriptionRecord.DEFAULT_START));
        }
        if (b.ackTimeout() != null) {
            builder.ackTimeout(checks.check("/ack_timeout", () -> FieldChecks.seconds("ack_timeout", b.ackTimeout(), false),
                    SubscriptionRecord.DEFAULT_ACK_TIMEOUT));
        }
        if (b.maxDeliveries() != null) {
            builder.maxDeliveries(checks.check("/max_deliveries", () -> positive("max_deliveries", b.maxDeliveries()),
                    SubscriptionRecord.DEFAULT_MAX_DELIVERIES));
        }
        if (b.backoff() != null) {
            List<Duration> backoff = new ArrayList<>();
            for (int i = 0; i < b.backoff().size(); i++) {
                BigDecimal s = b.backoff().get(i);
                int index = i;
                backoff.add(s == null ? Duration.ZERO : checks.check("/backoff/" + i,
                        () -> FieldChecks.seconds("backoff[" + index + "]", s, true), Duration.ZERO));
            }
            builder.backoff(backoff);
        }
        if (b.maxInFlight() != null) {
            builder.maxInFlight(b.maxInFlight());
        }
        if (b.ordering() != null) {
            builder.ordering(checks.check("/ordering", () -> Ordering.fromWireName(b.ordering()), Ordering.STRICT));
        }
        if (b.deadLetterTopic() != null) {
            TopicName dlq = TopicName.of(b.deadLetterTopic()); // 400 invalid_topic
            if (dlq.isReserved() && !dlq.value().equals("kmb.system.dlq")) {
                throw new ProblemException(ProblemCode.FORBIDDEN, "dead_letter_topic '" + dlq
                        + "' is reserved for the bus; use kmb.system.dlq or a topic of your own");
            }
            builder.deadLetterTopic(dlq.value().equals("kmb.system.dlq") ? Optional.empty() : Optional.of(dlq));
        }
        if (b.deadLetterExpired() != null) {
            builder.deadLetterExpired(b.deadLetterExpired());
        }
        checks.throwIfAny();
        SubscriptionRecord record = builder.build(context.clock().instant()); // IllegalArgumentException → 422
        ctx.status(201).json(SubscriptionBodies.Subscription.of(subscriptions.create(record)));
    }

    private static int positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, was " + value);
        }
        return value;
    }

    private void list(Context ctx) {
        ctx.json(new SubscriptionBodies.SubscriptionList(subscriptions.list(HttpRoutes.tenant(ctx)).stream()
                .map(SubscriptionBodies.Subscription::of).toList()));
    }

    private void get(Context ctx) {
        ctx.json(SubscriptionBodies.Subscription.of(subscriptions.get(HttpRoutes.tenant(ctx), ctx.pathParam("name"))));
    }

    private void delete(Context ctx) {
        subscriptions.delete(HttpRoutes.tenant(ctx), ctx.pathParam("name"));
        ctx.status(204);
    }

    private void ack(Context ctx) {
        String name = ctx.pathParam("name");
        subscriptions.get(HttpRoutes.tenant(ctx), name); // 404 before the body is judged
        SubscriptionBodies.Settle b = RequestBodies.read(ctx, context.json(), SubscriptionBodies.Settle.class);
        FieldChecks checks = new FieldChecks();
        if (b.delay() != null) {
            checks.fail("/delay", "delay applies to /nack only");
        }
        if (b.reason() != null) {
            checks.fail("/reason", "reason applies to /nack and /term only");
        }
        List<UUID> ids = ids(b, checks);
        checks.throwIfAny();
        AckResult r = Futures.await(subscriptions.ack(HttpRoutes.tenant(ctx), name, ids));
        ctx.json(new SubscriptionBodies.Acked(r.settled(), r.unknown().stream().map(UUID::toString).toList()));
    }

    private void nack(Context ctx) {
        String name = ctx.pathParam("name");
        subscriptions.get(HttpRoutes.tenant(ctx), name);
        SubscriptionBodies.Settle b = RequestBodies.read(ctx, context.json(), SubscriptionBodies.Settle.class);
        FieldChecks checks = new FieldChecks();
        List<UUID> ids = ids(b, checks);
        Optional<Duration> delay = Optional.ofNullable(b.delay())
                .map(d -> checks.check("/delay", () -> FieldChecks.seconds("delay", d, true), Duration.ZERO));
        Optional<String> reason = reason(b, checks);
        checks.throwIfAny();
        AckResult r = Futures.await(subscriptions.nack(HttpRoutes.tenant(ctx), name, ids, delay, reason));
        ctx.json(new SubscriptionBodies.Nacked(r.settled(), r.unknown().stream().map(UUID::toString).toList()));
    }

    private void term(Context ctx) {
        String name = ctx.pathParam("name");
        subscriptions.get(HttpRoutes.tenant(ctx), name);
        SubscriptionBodies.Settle b = RequestBodies.read(ctx, context.json(), SubscriptionBodies.Settle.class);
        FieldChecks checks = new FieldChecks();
        if (b.delay() != null) {
            checks.fail("/delay", "delay applies to /nack only");
        }
        List<UUID> ids = ids(b, checks);
        Optional<String> reason = reason(b, checks);
        checks.throwIfAny();
        AckResult r = Futures.await(subscriptions.term(HttpRoutes.tenant(ctx), name, ids, reason));
        ctx.json(new SubscriptionBodies.Termed(r.settled(), r.unknown().stream().map(UUID::toString).toList()));
    }

    private static Optional<String> reason(SubscriptionBodies.Settle b, FieldChecks checks) {
        if (b.reason() != null && b.reason().length() > SubscriptionBodies.MAX_REASON) {
            checks.fail("/reason", "reason is longer than " + SubscriptionBodies.MAX_REASON + " characters");
        }
        return Optional.ofNullable(b.reason());
    }

    private static List<UUID> ids(SubscriptionBodies.Settle b, FieldChecks checks) {
        if (b.ids() == null) {
            checks.fail("/ids", "ids is required: the ids of the messages to settle");
            return List.of();
        }
        List<UUID> ids = new ArrayList<>(b.ids().size());
        for (int i = 0; i < b.ids().size(); i++) {
            String id = b.ids().get(i);
            ids.add(checks.check("/ids/" + i, () -> uuid(id), null));
        }
        return ids;
    }

    private static UUID uuid(String id) {
        if (id == null || id.length() != 36) {
            throw new IllegalArgumentException("'" + id + "' is not a message id (a UUID)");
        }
        return UUID.fromString(id);
    }

    private void seek(Context ctx) {
        String name = ctx.pathParam("name");
        subscriptions.get(HttpRoutes.tenant(ctx), name);
        SubscriptionBodies.Seek b = RequestBodies.read(ctx, context.json(), SubscriptionBodies.Seek.class);
        FieldChecks checks = new FieldChecks();
        if (b.to() == null) {
            checks.fail("/to", "to is required: earliest, latest, an offset or an RFC 3339 time");
        }
        checks.throwIfAny();
        StartPosition to = checks.check("/to", () -> StartPosition.parse(b.to()), StartPosition.LATEST);
        checks.throwIfAny();
        Futures.await(subscriptions.seek(HttpRoutes.tenant(ctx), name, to));
        ctx.json(new SubscriptionBodies.Sought(name, to.format()));
    }

    private void lag(Context ctx) {
        String name = ctx.pathParam("name");
        List<PartitionLag> lag = Futures.await(subscriptions.lag(HttpRoutes.tenant(ctx), name));
        long pending = lag.stream().mapToLong(PartitionLag::pending).sum();
        long inFlight = lag.stream().mapToLong(PartitionLag::inFlight).sum();
        long scheduled = lag.stream().mapToLong(PartitionLag::scheduled).sum();
        ctx.json(new SubscriptionBodies.Lag(name, pending, inFlight, scheduled,
                lag.stream().map(SubscriptionBodies.PartitionLagBody::of).toList()));
    }
}
