package dev.kmb.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.kmb.broker.DeadLetterFormat;
import dev.kmb.broker.DeadLetterPage;
import dev.kmb.broker.DeadLetterQuery;
import dev.kmb.broker.DeadLetterService;
import dev.kmb.broker.RedriveRequest;
import dev.kmb.broker.RedriveResult;
import dev.kmb.broker.StoredDeadLetter;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.core.Rfc3339;
import dev.kmb.core.TopicName;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Dead letters: {@code GET /v1/dlq} lists them, {@code POST /v1/dlq/redrive} publishes a selection again.
 * Stateless; thread-safe.
 */
final class DlqRoutes {

    private final ServerContext context;
    private final DeadLetterService deadLetters;

    private DlqRoutes(ServerContext context) {
        this.context = context;
        this.deadLetters = context.broker().deadLetters();
    }

    static void register(JavalinConfig config, ServerContext context) {
        DlqRoutes r = new DlqRoutes(context);
        config.routes.get("/v1/dlq", r::list);
        config.routes.post("/v1/dlq/redrive", r::redrive);
    }

    private void list(Context ctx) {
        Optional<String> subscription = Optional.ofNullable(ctx.queryParam("subscription")).filter(s -> !s.isEmpty());
        subscription.ifPresent(s -> {
            try {
                SubscriptionRecord.checkName(s);
            } catch (IllegalArgumentException e) {
                throw ProblemHandlers.badParam("subscription", s, "a subscription name");
            }
        });
        DeadLetterQuery query = new DeadLetterQuery(
                topicParam(ctx, "dead_letter_topic").orElse(DeadLetterService.SYSTEM_DLQ),
                subscription,
                topicParam(ctx, "topic"),
                PublishRoutes.param(ctx, "from", "an RFC 3339 time", DlqRoutes::queryTime),
                Optional.ofNullable(ctx.queryParam("cursor")).filter(s -> !s.isEmpty()),
                PublishRoutes.param(ctx, "limit", "a number", Integer::parseInt).orElse(DeadLetterQuery.DEFAULT_LIMIT));
        DeadLetterPage page = deadLetters.list(HttpRoutes.tenant(ctx), query);
        ctx.contentType("application/json").result(write(page));
    }

    /** {@code {"dead_letters":[…],"next":…}}, each original copied byte for byte. */
    private byte[] write(DeadLetterPage page) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = context.json().getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("dead_letters");
            for (StoredDeadLetter d : page.deadLetters()) {
                DeadLetterFormat.write(g, d);
            }
            g.writeEndArray();
            g.writeStringField("next", page.next().orElse(null));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return out.toByteArray();
    }

    private void redrive(Context ctx) {
        DlqBodies.Redrive b = RequestBodies.read(ctx, context.json(), DlqBodies.Redrive.class);
        FieldChecks checks = new FieldChecks();
        Set<UUID> ids = ids(b.ids(), checks);
        Optional<String> subscription = Optional.ofNullable(b.subscription())
                .map(s -> checks.check("/subscription", () -> SubscriptionRecord.checkName(s), s));
        Optional<TopicName> topic = topic(b.topic(), "/topic", checks);
        Optional<Instant> from = time(b.from(), "/from", checks);
        Optional<Instant> to = time(b.to(), "/to", checks);
        Optional<TopicName> target = topic(b.targetTopic(), "/target_topic", checks);
        TopicName dlq = topic(b.deadLetterTopic(), "/dead_letter_topic", checks).orElse(DeadLetterService.SYSTEM_DLQ);
        checks.throwIfAny();
        RedriveRequest request = checks.check("", () -> new RedriveRequest(ids, subscription, topic, from, to,
                Boolean.TRUE.equals(b.all()), target, dlq,
                b.limit() == null ? RedriveRequest.DEFAULT_LIMIT : b.limit()), null);
        checks.throwIfAny();
        RedriveResult result = Futures.await(deadLetters.redrive(HttpRoutes.tenant(ctx), request));
        ctx.json(DlqBodies.Redriven.of(result));
    }

    private static Set<UUID> ids(List<String> ids, FieldChecks checks) {
        if (ids == null) {
            return Set.of();
        }
        if (ids.isEmpty()) {
            checks.fail("/ids", "ids must hold at least one dead-letter id; leave it out to select by the other filters");
        }
        Set<UUID> out = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            UUID u = checks.check("/ids/" + i, () -> uuid(id), null);
            if (u != null) {
                out.add(u);
            }
        }
        return out;
    }

    private static UUID uuid(String id) {
        if (id == null || id.length() != 36) {
            throw new IllegalArgumentException("'" + id + "' is not a dead-letter id (a UUID)");
        }
        return UUID.fromString(id);
    }

    private static Optional<TopicName> topic(String name, String pointer, FieldChecks checks) {
        return Optional.ofNullable(name).map(n -> checks.check(pointer, () -> TopicName.of(n), null));
    }

    private static Optional<Instant> time(String text, String pointer, FieldChecks checks) {
        return Optional.ofNullable(text).map(t -> checks.check(pointer, () -> time(t), null));
    }

    private static Instant time(String text) {
        return Rfc3339.tryParse(text).orElseThrow(() -> new IllegalArgumentException("'" + text
                + "' is not an RFC 3339 time such as 2026-01-02T03:04:05Z"));
    }

    /** An RFC 3339 time in a query parameter; {@link DateTimeParseException} (400) when it is not one. */
    private static Instant queryTime(String text) {
        return Rfc3339.tryParse(text).orElseThrow(() -> new DateTimeParseException("not RFC 3339", text, 0));
    }

    /** A query parameter naming a topic; 400 {@code invalid_topic} when it is not a topic name. */
    private static Optional<TopicName> topicParam(Context ctx, String name) {
        return Optional.ofNullable(ctx.queryParam(name)).filter(s -> !s.isEmpty()).map(TopicName::of);
    }
}
